import { defineMessages } from '../define.js';

/** Matching before creating (issue 10 item 2): the parameters' fields and the engine's messages. */
export const matchingMessages = defineMessages({
  en: {
    'policy.matching': 'Matching before creating',
    'policy.matching.hint':
      'An object not yet linked to this app is first looked up there by this attribute, and adopted when found, instead of being created again. A 409 from the app still adopts.',
    'policy.matching.users': 'Users by',
    'policy.matching.orgs': 'Organizations by',
    'matching.users.userName': 'userName',
    'matching.users.externalId': 'externalId (the directory’s id)',
    'matching.users.email': 'Work e-mail',
    'matching.orgs.externalIdThenName': 'externalId, then name under the same parent',
    'matching.orgs.externalId': 'externalId only',
    'engine.note.matchedAdopted': 'matched on the downstream by the source’s matching attribute; adopted',
    'engine.note.wouldAdopt': 'would adopt the matching object on the downstream',
    'engine.match.tooManyPages': 'GET {endpoint}: the look-up answered more than {pages} pages',
    'engine.match.ambiguous':
      '{count} objects on the downstream match {attribute} {value}: {ids}. Not adopted and not created; remove the extra copy on the downstream, or link one of them by hand',
  },
  'zh-CN': {
    'policy.matching': '创建前匹配',
    'policy.matching.hint': '尚未与此应用关联的对象，会先按此属性在应用中查找，找到即接管，不再重复创建。应用返回 409 时仍会接管。',
    'policy.matching.users': '用户匹配依据',
    'policy.matching.orgs': '组织匹配依据',
    'matching.users.userName': '用户名（userName）',
    'matching.users.externalId': 'externalId（本目录的 ID）',
    'matching.users.email': '工作邮箱',
    'matching.orgs.externalIdThenName': '先按 externalId，再按同一上级下的名称',
    'matching.orgs.externalId': '仅按 externalId',
    'engine.note.matchedAdopted': '按本数据源的匹配属性在下游找到并接管',
    'engine.note.wouldAdopt': '将接管下游匹配到的对象',
    'engine.match.tooManyPages': 'GET {endpoint}：查找结果超过 {pages} 页',
    'engine.match.ambiguous': '下游有 {count} 个对象的 {attribute} 与 {value} 匹配：{ids}。未接管也未创建；请删除下游多余的副本，或手动关联其中一个',
  },
});
