// The Reports screen drawn off-screen for `parkctl bench reports`, apart from bench-reports.ts so that
// registering the bench commands never loads ink (bin/parkctl runs most commands from the CommonJS
// bundle, which cannot load ink: see scripts/bundle.mjs).
import { renderToString } from 'ink';
import type { ReportsSummary } from '../core/reports/summary.js';
import { ReportsScreen } from '../tui/ReportsScreen.js';

export function drawReportsScreen(summary: ReportsSummary): void {
  renderToString(<ReportsScreen load={async () => summary} initial={summary} width={100} rows={30} color={false} onClose={() => {}} />, { columns: 100 });
}
