import type { HostOrg, HostStore, HostUser } from './host-store.js';

/** About 20 orgs with Chinese and English names, in a tree three levels deep. */
const ORGS: Array<[id: string, name: string, parentId: string | null, code: string]> = [
  ['org-root', '示例集团 Example Group', null, 'EG'],
  ['org-rd', '研发中心 R&D Center', 'org-root', 'RD'],
  ['org-rd-platform', '平台组 Platform Team', 'org-rd', 'RD-PLT'],
  ['org-rd-mobile', '移动组 Mobile Team', 'org-rd', 'RD-MOB'],
  ['org-rd-qa', '测试组 QA Team', 'org-rd', 'RD-QA'],
  ['org-rd-data', '数据组 Data Team', 'org-rd', 'RD-DATA'],
  ['org-product', '产品部 Product', 'org-root', 'PM'],
  ['org-product-design', '设计组 Design', 'org-product', 'PM-UX'],
  ['org-sales', '销售部 Sales', 'org-root', 'SALES'],
  ['org-sales-north', '华北销售 North China Sales', 'org-sales', 'SALES-N'],
  ['org-sales-east', '华东销售 East China Sales', 'org-sales', 'SALES-E'],
  ['org-sales-south', '华南销售 South China Sales', 'org-sales', 'SALES-S'],
  ['org-sales-intl', '海外销售 International Sales', 'org-sales', 'SALES-I'],
  ['org-marketing', '市场部 Marketing', 'org-root', 'MKT'],
  ['org-hr', '人力资源部 Human Resources', 'org-root', 'HR'],
  ['org-finance', '财务部 Finance', 'org-root', 'FIN'],
  ['org-finance-accounting', '会计组 Accounting', 'org-finance', 'FIN-ACC'],
  ['org-ops', '运营部 Operations', 'org-root', 'OPS'],
  ['org-ops-support', '客户支持 Customer Support', 'org-ops', 'OPS-SUP'],
  ['org-legal', '法务部 Legal', 'org-root', 'LEGAL'],
];

const CHINESE_FAMILY: Array<[string, string]> = [
  ['王', 'wang'], ['李', 'li'], ['张', 'zhang'], ['刘', 'liu'], ['陈', 'chen'],
  ['杨', 'yang'], ['赵', 'zhao'], ['黄', 'huang'], ['周', 'zhou'], ['吴', 'wu'],
];
const CHINESE_GIVEN: Array<[string, string]> = [
  ['伟', 'wei'], ['芳', 'fang'], ['娜', 'na'], ['敏', 'min'], ['静', 'jing'],
  ['磊', 'lei'], ['洋', 'yang'], ['艳', 'yan'], ['勇', 'yong'], ['杰', 'jie'],
];
const ENGLISH_GIVEN = ['Alice', 'Brian', 'Chloe', 'Daniel', 'Emma', 'Felix', 'Grace', 'Henry', 'Isla', 'Jack'];
const ENGLISH_FAMILY = ['Smith', 'Jones', 'Taylor', 'Brown', 'Wilson', 'Evans', 'Thomas', 'Moore', 'Clark', 'Hall'];
const TITLES = ['Engineer', 'Senior Engineer', 'Manager', 'Designer', 'Analyst', 'Specialist', 'Director', 'Coordinator'];

export const SEED_USER_COUNT = 200;

/** A deterministic directory: the same ids and names on every machine. */
export function seedData(): { orgs: HostOrg[]; users: HostUser[] } {
  const orgs = ORGS.map(([id, name, parentId, code], index) => ({ id, name, parentId, code, sortOrder: index }));
  const leafOrgIds = orgs.filter((org) => org.parentId !== null).map((org) => org.id);
  const users: HostUser[] = [];
  for (let n = 1; n <= SEED_USER_COUNT; n += 1) {
    const id = `u${String(n).padStart(4, '0')}`;
    const chinese = n % 2 === 1;
    const i = Math.floor(n / 2) % 10;
    const j = Math.floor(n / 20) % 10;
    const [familyName, givenName, handle] = chinese
      ? [CHINESE_FAMILY[i]![0], CHINESE_GIVEN[j]![0], `${CHINESE_FAMILY[i]![1]}.${CHINESE_GIVEN[j]![1]}`]
      : [ENGLISH_FAMILY[i]!, ENGLISH_GIVEN[j]!, `${ENGLISH_GIVEN[j]!.toLowerCase()}.${ENGLISH_FAMILY[i]!.toLowerCase()}`];
    const userName = `${handle}${n}@example.com`;
    users.push({
      id,
      userName,
      displayName: chinese ? `${familyName}${givenName}` : `${givenName} ${familyName}`,
      givenName,
      familyName,
      email: userName,
      phone: `+86 138 0000 ${String(n).padStart(4, '0')}`,
      title: TITLES[n % TITLES.length]!,
      employeeNumber: `E${String(10000 + n)}`,
      orgId: leafOrgIds[n % leafOrgIds.length]!,
      active: n % 37 !== 0,
    });
  }
  return { orgs, users };
}

export async function seedStore(store: HostStore): Promise<void> {
  const { orgs, users } = seedData();
  await store.insertAll(orgs, users);
}
