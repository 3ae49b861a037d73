/** The history pane: exactly the rows that fit, laid out beforehand by paneView(). */
import { Box } from 'ink';
import React from 'react';
import type { Row } from '../history-view.js';
import { RowText } from './RowText.js';

export function HistoryPane({
  rows,
  keys,
  width,
  height,
}: {
  rows: Row[];
  keys: string[];
  width: number;
  height: number;
}): React.JSX.Element {
  return (
    <Box flexDirection="column" width={width} height={height}>
      {rows.map((row, i) => (
        <RowText key={keys[i]} row={row} />
      ))}
    </Box>
  );
}
