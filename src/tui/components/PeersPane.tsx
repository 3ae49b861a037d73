/** The peers pane on the right: who is there, linked directly (●) or through the mesh (○), and the RTT. */
import { Box } from 'ink';
import React from 'react';
import type { Row } from '../history-view.js';
import { RowText } from './RowText.js';

export function PeersPane({
  rows,
  width,
  height,
}: {
  rows: Row[];
  width: number;
  height: number;
}): React.JSX.Element {
  return (
    <Box
      flexDirection="column"
      width={width}
      height={height}

      borderStyle="single"
      borderTop={false}
      borderRight={false}
      borderBottom={false}
      borderDimColor
    >
      {rows.map((row, i) => (
        <RowText key={i} row={row} />
      ))}
    </Box>
  );
}
