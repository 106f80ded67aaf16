import type { MessageKey } from './en.js';

/** 简体中文目录，键与 en 完全一致。 */
export const zhCN: Record<MessageKey, string> = {
  'app.syncCenter': '同步中心',
  'app.downstreamSync': '下游同步',
  'app.language': '语言',
  'error.forbidden.title': '无权访问',
  'error.forbidden.body': '只有管理员可以使用同步中心。',
  'error.notFound.title': '未找到',
  'error.notFound.body': '您访问的页面或数据源不存在。',
  'error.server.title': '出错了',
  'error.server.body': '请求未能完成。请重试；如果一直失败，请查看服务器日志。',
  'sources.empty': '还没有下游数据源。',
  'sources.column.name': '数据源名称',
  'sources.column.mode': '获取方式',
  'sources.column.status': '状态',
  'mode.push': '数据源推送',
  'mode.pull': '平台拉取',
  'status.enabled': '已启用',
  'status.disabled': '已停用',
  'status.quarantined': '已隔离',
};
