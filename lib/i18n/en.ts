/** English catalogue. Keys are grouped by page; zh-CN must have exactly the same keys. */
export const en = {
  'app.syncCenter': 'Sync center',
  'app.downstreamSync': 'Downstream sync',
  'app.language': 'Language',
  'error.forbidden.title': 'Not allowed',
  'error.forbidden.body': 'Only administrators can use the sync center.',
  'error.notFound.title': 'Not found',
  'error.notFound.body': 'The page or source you asked for does not exist.',
  'error.server.title': 'Something went wrong',
  'error.server.body': 'The request could not be completed. Try again; if it keeps failing, check the server log.',
  'sources.empty': 'No downstream sources yet.',
  'sources.column.name': 'Name',
  'sources.column.mode': 'Acquisition mode',
  'sources.column.status': 'Status',
  'mode.push': 'Push to downstream',
  'mode.pull': 'Downstream pulls',
  'status.enabled': 'Enabled',
  'status.disabled': 'Disabled',
  'status.quarantined': 'Quarantined',
} as const;

export type MessageKey = keyof typeof en;
