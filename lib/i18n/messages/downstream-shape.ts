import { defineMessages } from '../define.js';

/**
 * What the downstream can hold (its /ResourceTypes and /Schemas against "Send orgs as" and the
 * Org URL), and the run status that counts failures.
 */
export const downstreamShapeMessages = defineMessages({
  en: {
    'test.step.orgShape': 'Org shape (/ResourceTypes)',
    'run.status.succeededWithFailureCount': 'Succeeded with {count, plural, one {# failure} other {# failures}}',
    'shape.proposal.use': 'Use: {shape} at {url}',
    'engine.shape.fits': 'The Org URL {path} holds {name} resources, as “Send orgs as” expects',
    'engine.shape.unpublished': 'The downstream does not publish /ResourceTypes or /Schemas: the org shape is checked by the first sync',
    'engine.shape.noOrganizationType': 'Configuration error: the downstream has no Organization resource type, so orgs cannot be sent as organizations. Fix: set “Send orgs as” to SCIM Groups and the Org URL to {url}',
    'engine.shape.holdsGroups': 'Configuration error: the Org URL {path} holds SCIM Groups, not organizations. Fix: set the Org URL to {url}, or “Send orgs as” to SCIM Groups',
    'engine.shape.notGroups': 'Configuration error: the Org URL {path} holds {name} resources, not SCIM Groups. Fix: set “Send orgs as” to match {name}, or the Org URL to the downstream’s Groups',
    'engine.shape.otherShape': 'Configuration error: the Org URL {path} holds {name} resources in another org shape than “Send orgs as”. Fix: choose the shape of {name}',
    'engine.shape.noTypeAt': 'Configuration error: the downstream has no resource type at the Org URL {path} (it publishes {endpoints}). Fix: set the Org URL to one of them',
  },
  'zh-CN': {
    'test.step.orgShape': '组织格式（/ResourceTypes）',
    'run.status.succeededWithFailureCount': '完成，{count} 项失败',
    'shape.proposal.use': '使用：{shape}，地址 {url}',
    'engine.shape.fits': '组织 URL {path} 承载 {name} 资源，与“组织的推送格式”一致',
    'engine.shape.unpublished': '下游未发布 /ResourceTypes 或 /Schemas：组织格式将在首次同步时检验',
    'engine.shape.noOrganizationType': '配置错误：下游没有 Organization 资源类型，无法以组织资源推送。解决：将“组织的推送格式”设为 SCIM Groups，组织 URL 设为 {url}',
    'engine.shape.holdsGroups': '配置错误：组织 URL {path} 承载的是 SCIM Groups，而非组织。解决：将组织 URL 设为 {url}，或将“组织的推送格式”设为 SCIM Groups',
    'engine.shape.notGroups': '配置错误：组织 URL {path} 承载的是 {name} 资源，而非 SCIM Groups。解决：将“组织的推送格式”设为与 {name} 一致，或将组织 URL 设为下游的 Groups',
    'engine.shape.otherShape': '配置错误：组织 URL {path} 承载的 {name} 资源与“组织的推送格式”不同。解决：选择与 {name} 一致的格式',
    'engine.shape.noTypeAt': '配置错误：下游在组织 URL {path} 没有资源类型（它发布了 {endpoints}）。解决：将组织 URL 设为其中之一',
  },
});
