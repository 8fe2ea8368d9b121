/** What the API mounts under /api/v1: each function takes the store and the business it serves. */
export { eventBatch, eventInput, importEventsCsv, maxBatch, recordEvents, type CsvEventResult, type EventInput, type EventResult } from './events.js';
export { customerTimeline, type Timeline, type TimelineEntry } from './timeline.js';
export { dropsQuery, dropsReport, dropsReportFor, dropsCursor, type DropsQuery, type DropsReport } from './drops-report.js';
export { describeFeature, isDrop, minimums as dropMinimums, type FeatureStat } from './drops.js';
export { cohortDimensions, metricsByCohort, metricsQuery, type CohortMetrics, type MetricsQuery } from './cohorts.js';
export { commentThemes, type PeriodThemes, type Theme } from './themes.js';
export { themesQuery, themesReport, themesReportFor } from './themes-report.js';
