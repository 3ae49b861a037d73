/** src/daemon/rooms: room messages and room topics. */
export { ChatService } from './chat-service.js';
export {
  MAX_TOPICS,
  RoomTopics,
  TOPICS_SAVE_DELAY_MS,
  newTopicPayload,
  topicFromFrame,
  topicOf,
} from './room-topics.js';
export { TopicService } from './topic-service.js';
