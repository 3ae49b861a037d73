/**
 * Room topics in the UI: read from the node at start (and after reattaching), updated by `topic`
 * events, drawn in the title bar and by /list and /topic. Everything a peer set is sanitised here.
 */
import type { ChatApi, ChatEvent, RoomTopic } from '../daemon/index.js';
import type { ChatModel } from './chat-model.js';
import { sanitizeLabel, sanitizeText } from '../wire/index.js';

function keep(model: ChatModel, topic: RoomTopic): RoomTopic {
  const room = sanitizeLabel(topic.room);
  const clean = { ...topic, room, nick: sanitizeLabel(topic.nick), topic: sanitizeText(topic.topic) };
  model.topics.set(room, clean);
  return clean;
}

/** The topics the node knows (an older node without topics has none: nothing to show). */
export async function loadTopics(api: ChatApi, model: ChatModel): Promise<void> {
  let topics: RoomTopic[];
  try {
    topics = await api.topics();
  } catch {
    return;
  }
  for (const topic of topics) keep(model, topic);
}

/** A topic set by someone: kept, and said in its room when that room is open. */
export function topicChanged(
  model: ChatModel,
  event: Extract<ChatEvent, { type: 'topic' }>,
  nameFor: (id: string, nick: string) => string,
): void {
  const topic = keep(model, event.topic);
  const target = model.find(`room:${topic.room}`);
  if (!target) return;
  const what = topic.topic === '' ? 'cleared the topic' : `set the topic: ${topic.topic}`;
  model.system(`${nameFor(event.topic.from, event.topic.nick)} ${what}`, 'info', target);
}
