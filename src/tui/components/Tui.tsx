/** The App with its ChatApi in context: what runTui renders, and what tests and the bench render. */
import React from 'react';
import type { ChatApi } from '../../daemon/index.js';
import { App, type AppProps } from './App.js';
import { ChatApiContext } from './ChatApiContext.js';

export interface TuiProps extends AppProps {
  api: ChatApi;
}

export function Tui({ api, ...props }: TuiProps): React.JSX.Element {
  return (
    <ChatApiContext.Provider value={api}>
      <App {...props} />
    </ChatApiContext.Provider>
  );
}
