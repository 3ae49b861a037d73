/** A one-row bar (title, status) drawn in reverse video, which reads on any theme and under NO_COLOR. */
import { Box, Text } from 'ink';
import React from 'react';
import type { Row } from '../history-view.js';

export function Bar({ row, width }: { row: Row; width: number }): React.JSX.Element {
  return (
    <Box width={width} height={1}>
      <Text wrap="truncate-end" inverse>
        {row.map((segment, i) => (
          <Text key={i} color={segment.color} bold={segment.bold} dimColor={segment.dim}>
            {segment.text}
          </Text>
        ))}
      </Text>
    </Box>
  );
}
