import { defineMessages } from '../define.js';

/**
 * Alerts (lib/alerts): what happened and what to do, in both languages, for the host's hook, the
 * server log and the console's banners. `{reason}` and `{error}` are stored messages of their own.
 */
export const engineAlertMessages = defineMessages({
  en: {
    'engine.alert.quarantined': 'Source "{source}" is quarantined: {reason}',
    'engine.alert.resumed.admin': 'Source "{source}" was resumed by {actor}; delivery goes on',
    'engine.alert.resumed.delivered': 'Source "{source}" is no longer quarantined: a delivery went through',
    'engine.alert.deletionsHeld': 'Deletions to source "{source}" are held: {reason}',
    'engine.alert.runPaused': 'Run #{runId} of source "{source}" is paused: {reason}',
    'engine.alert.runFailed': 'Run #{runId} of source "{source}" failed: {error}',
    'engine.alert.runFinishedWithFailures': 'Run #{runId} of source "{source}" finished with {failed, plural, one {# failed object} other {# failed objects}}',
    'engine.alert.backlog': 'Source "{source}" has had changes waiting for more than {minutes} minutes ({count, plural, one {# change} other {# changes}} pending)',
    'engine.alert.unknownError': 'unknown error',
    'engine.alert.action.credentials': 'Check the credentials in the source\'s parameters, then resume the source.',
    'engine.alert.action.permission': 'Give the credentials the permission the downstream asks for, then resume the source.',
    'engine.alert.action.configuration': 'Fix the source\'s parameters (URLs, authentication), then resume the source.',
    'engine.alert.action.downstream': 'Check that the downstream is up; the source resumes by itself once a delivery goes through, or resume it.',
    'engine.alert.action.none': 'Nothing to do.',
    'engine.alert.action.deletions': 'Review the held deletions on the source page, then confirm or cancel them.',
    'engine.alert.action.runLog': 'Open the run\'s log to see which objects failed and why, fix the cause and sync again.',
    'engine.alert.action.backlog': 'Open the source: it may be quarantined, holding deletions or failing; its incremental log says why.',
  },
  'zh-CN': {
    'engine.alert.quarantined': '数据源"{source}"已被隔离：{reason}',
    'engine.alert.resumed.admin': '数据源"{source}"已由 {actor} 恢复，继续推送',
    'engine.alert.resumed.delivered': '数据源"{source}"已解除隔离：有一次推送成功',
    'engine.alert.deletionsHeld': '数据源"{source}"的删除已暂缓：{reason}',
    'engine.alert.runPaused': '数据源"{source}"的第 {runId} 次同步已暂停：{reason}',
    'engine.alert.runFailed': '数据源"{source}"的第 {runId} 次同步失败：{error}',
    'engine.alert.runFinishedWithFailures': '数据源"{source}"的第 {runId} 次同步已完成，但有 {failed} 个对象失败',
    'engine.alert.backlog': '数据源"{source}"有变更等待超过 {minutes} 分钟（待推送 {count} 项）',
    'engine.alert.unknownError': '未知错误',
    'engine.alert.action.credentials': '请检查数据源参数中的凭据，然后恢复数据源。',
    'engine.alert.action.permission': '请为凭据授予下游要求的权限，然后恢复数据源。',
    'engine.alert.action.configuration': '请修正数据源参数（URL、认证方式），然后恢复数据源。',
    'engine.alert.action.downstream': '请检查下游服务是否正常；一旦有推送成功，数据源会自动恢复，也可以手动恢复。',
    'engine.alert.action.none': '无需处理。',
    'engine.alert.action.deletions': '请在数据源页面查看暂缓的删除，然后确认或取消。',
    'engine.alert.action.runLog': '请打开该次同步的日志，查看哪些对象失败及原因，修正后重新同步。',
    'engine.alert.action.backlog': '请打开数据源：它可能已被隔离、暂缓了删除或推送失败；增量同步日志会说明原因。',
  },
});
