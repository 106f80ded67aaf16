import { defineMessages } from '../define.js';

/** The console's side of alerts and engine messages: the quarantine banner's fix, notes in the logs. */
export const consoleAlertMessages = defineMessages({
  en: {
    'alert.fix': 'Fix it',
    'alert.fix.parameters': 'Go to the parameters',
    'log.column.note': 'Note',
  },
  'zh-CN': {
    'alert.fix': '去处理',
    'alert.fix.parameters': '前往参数设置',
    'log.column.note': '备注',
  },
});
