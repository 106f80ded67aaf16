import { defineMessages } from '../define.js';

/** The logs' search, time zone, exports and a dry run's unchanged objects. */
export const consoleLogMessages = defineMessages({
  en: {
    'logs.search.object': 'Object',
    'logs.search.object.hint': 'Name, userName or ID',
    'logs.search.request': 'Request',
    'logs.search.request.hint': 'Path, filter or client ID',
    'logs.timeZone': 'Times are in {zone}.',
    'logs.export.label': 'Export the entries that match these filters',
    'logs.export.csv': 'Export CSV',
    'logs.export.json': 'Export JSON',
    'logs.unchanged.show': 'Show unchanged',
    'logs.unchanged.hidden': '{count, plural, one {# unchanged object is hidden.} other {# unchanged objects are hidden.}}',
    'logs.unchanged.showThem': 'Show them',
    'logs.unchanged.onlyHidden': 'Nothing would change: every object this dry run compared is unchanged.',
  },
  'zh-CN': {
    'logs.search.object': '对象',
    'logs.search.object.hint': '名称、用户名或 ID',
    'logs.search.request': '请求',
    'logs.search.request.hint': '路径、过滤条件或客户端 ID',
    'logs.timeZone': '时间均为 {zone} 时区。',
    'logs.export.label': '导出符合筛选条件的记录',
    'logs.export.csv': '导出 CSV',
    'logs.export.json': '导出 JSON',
    'logs.unchanged.show': '显示未变化的对象',
    'logs.unchanged.hidden': '已隐藏 {count} 个未变化的对象。',
    'logs.unchanged.showThem': '显示',
    'logs.unchanged.onlyHidden': '不会有任何变更：本次试运行比较的对象都没有变化。',
  },
});
