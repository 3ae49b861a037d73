/** One screen row of styled segments, never wider than its box (Ink truncates if a width disagrees). */
import { Text } from 'ink';
import React from 'react';
import type { Row } from '../history-view.js';

/**
 * Memoised on the row's identity: rows come from a cache, so a row that only moved up when a message
 * arrived is not rendered again.
 */
export const RowText = React.memo(function RowText({ row }: { row: Row }): React.JSX.Element {
  if (row.length === 0) return <Text> </Text>;
  return (
    <Text wrap="truncate-end">
      {row.map((segment, i) => (
        <Text
          key={i}
          color={segment.color}
          bold={segment.bold}
          dimColor={segment.dim}
          italic={segment.italic}
          inverse={segment.inverse}
        >
          {segment.text}
        </Text>
      ))}
    </Text>
  );
});
