/** The input line (prompt, text, a reverse-video cursor) or the question a multi-line paste asks. */
import { Box } from 'ink';
import React from 'react';
import type { Row } from '../history-view.js';
import { RowText } from './RowText.js';

export function InputLine({ row, width }: { row: Row; width: number }): React.JSX.Element {
  return (
    <Box width={width} height={1}>
      <RowText row={row} />
    </Box>
  );
}
