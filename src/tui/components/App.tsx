/**
 * The whole screen: title bar, history (and the peers pane when there are 70 columns or more), status
 * bar, input line. State lives in the ChatModel; this draws its current version, at most once a frame.
 */
import { Box, useApp, useStdout } from 'ink';
import React, { useMemo } from 'react';
import {
  inputRow,
  peersRows,
  PEERS_PANE_MIN_COLUMNS,
  PEERS_PANE_WIDTH,
  statusRow,
  titleRow,
} from '../chrome-view.js';
import { paneView } from '../history-view.js';
import { useChatApi } from '../hooks/use-chat-api.js';
import { useChatSession } from '../hooks/use-chat-session.js';
import { useModel } from '../hooks/use-model.js';
import { useRawInput } from '../hooks/use-raw-input.js';
import { useTerminalSize } from '../hooks/use-terminal-size.js';
import { handleInputChunk } from '../key-bindings.js';
import { transferRow } from '../file-view.js';
import type { LocalFiles } from '../local-files.js';
import { nodeLocalFiles } from '../node-local-files.js';
import { Bar } from './Bar.js';
import { HistoryPane } from './HistoryPane.js';
import { InputLine } from './InputLine.js';
import { PeersPane } from './PeersPane.js';

export interface AppProps {
  /** The room shown first (joined if the node is not in it). */
  room: string;
  /** No colours (NO_COLOR); bold, dim and reverse video stay. @default false */
  noColor?: boolean;
  /** Called when the person quits (/quit, Ctrl+C, Ctrl+D on an empty line), before the app exits. */
  onQuit?: () => void;
  /** Rings the bell. @default writes BEL to stdout */
  bell?: () => void;
  /** Fixed size instead of the terminal's (tests, embedding). */
  columns?: number;
  rows?: number;
  /** Most redraws per second for incoming events. @default 30 */
  maxFps?: number;
  /** Messages fetched per history page. @default 200 */
  historyPage?: number;
  /** Files /send offers and completes. @default this machine's (node-local-files.ts) */
  localFiles?: LocalFiles;
}

/** Rows the bars and the input line take. */
const CHROME_ROWS = 3;

export function App(props: AppProps): React.JSX.Element {
  const api = useChatApi();
  const { stdout } = useStdout();
  const { exit } = useApp();
  const controller = useChatSession(api, {
    room: props.room,
    noColor: props.noColor ?? false,
    maxFps: props.maxFps ?? 30,
    historyPage: props.historyPage,
    localFiles: props.localFiles ?? nodeLocalFiles(),
    bell: props.bell ?? (() => stdout.write('\u0007')),
    quit: () => {
      props.onQuit?.();
      exit();
    },
  });
  const model = controller.model;
  useModel(model);
  useRawInput((chunk) => handleInputChunk(controller, chunk));
  const size = useTerminalSize({ columns: props.columns, rows: props.rows });

  // On a real terminal, leave the last row free: a frame as tall as the screen makes Ink clear the
  // whole screen on every frame instead of rewriting the lines that changed.
  const height = Math.max(CHROME_ROWS + 1, size.rows - (stdout.isTTY && props.rows === undefined ? 1 : 0));
  const width = Math.max(10, size.columns);
  // While files are fetched, a row above the status bar shows how far (file-view.ts).
  const transfer = transferRow(model, width);
  const paneHeight = Math.max(1, height - CHROME_ROWS - (transfer ? 1 : 0));
  const showPeers = width >= PEERS_PANE_MIN_COLUMNS;
  const historyWidth = showPeers ? width - PEERS_PANE_WIDTH : width;
  controller.layout = { width: historyWidth, height: paneHeight };

  const active = model.active;
  const view = active
    ? paneView(active, model.viewContext(historyWidth), paneHeight)
    : { rows: [], keys: [], scrolled: false, below: 0, atStart: true };
  // The peers pane changes far less often than the history: lay it out only when the peers change.
  const peersPaneRows = useMemo(
    () => (showPeers ? peersRows(model, PEERS_PANE_WIDTH - 1, paneHeight) : []),
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [model, model.peersVersion, showPeers, paneHeight],
  );

  return (
    <Box flexDirection="column" width={width} height={height}>
      <Bar row={titleRow(model, width)} width={width} />
      <Box flexDirection="row" height={paneHeight}>
        <HistoryPane rows={view.rows} keys={view.keys} width={historyWidth} height={paneHeight} />
        {showPeers && <PeersPane rows={peersPaneRows} width={PEERS_PANE_WIDTH} height={paneHeight} />}
      </Box>
      {transfer && <InputLine row={transfer} width={width} />}
      <Bar row={statusRow(model, width, view)} width={width} />
      <InputLine row={inputRow(model, width)} width={width} />
    </Box>
  );
}
