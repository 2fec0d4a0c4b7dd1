// The dashboard's public surface: the view-model contract and the components. The caller
// (parkctl dashboard) renders <Dashboard> with a live snapshot and calls useApp().exit() on quit.

export type * from './dashboard-model.js';
export { Dashboard, type DashboardProps } from './Dashboard.js';
export type { TerminalSize } from './use-terminal-size.js';
export { OccupancyBars } from './OccupancyBars.js';
export { GatesPanel } from './GatesPanel.js';
export { ArrivalsPanel } from './ArrivalsPanel.js';
export { HoldsPanel } from './HoldsPanel.js';
export { AlertsPanel } from './AlertsPanel.js';
export { EventFeed } from './EventFeed.js';
export { StatusLine } from './StatusLine.js';
export { Footer } from './Footer.js';
export { HelpOverlay } from './HelpOverlay.js';
export { SearchBox } from './SearchBox.js';
export { ActionPrompt } from './ActionPrompt.js';
export { keyBindings, keyToCommand, type DashboardCommand } from './use-dashboard-keys.js';
export { sampleSnapshot } from './sample-snapshot.js';
