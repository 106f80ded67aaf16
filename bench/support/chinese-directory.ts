import type { DirectoryUser } from '../../lib/hooks/directory.js';
import type { AttributeMapping } from '../../lib/sources/source-types.js';
import { URN } from '../../lib/scim/urns.js';
import { PushDirectory } from './push-directory.js';

const SURNAMES = ['张', '王', '李', '赵', '曾', '单', '欧阳', '陈'];
const GIVEN = ['伟', '芳', '小明', '秀英', '建国', '丽', '晓东', '静'];

/** The push benchmark's directory with Chinese names, so Pinyin has real work to do. */
export class ChineseDirectory extends PushDirectory {
  override user(index: number, version = this.version): DirectoryUser {
    const user = super.user(index, version);
    const familyName = SURNAMES[index % SURNAMES.length]!;
    const givenName = GIVEN[Math.floor(index / SURNAMES.length) % GIVEN.length]!;
    return { ...user, displayName: `${familyName}${givenName}`, name: { givenName, familyName }, locale: index % 3 === 0 ? 'zh-CN' : 'en-US' };
  }
}

/** Ten expression mappings (Pinyin, Join, Append, ToLower, Coalesce, Left, Switch, IIF, Trim, Replace). */
export const TEN_MAPPINGS: AttributeMapping[] = [
  { target: 'externalId', expression: 'Coalesce([externalId], [id])' },
  { target: 'userName', expression: 'ToLower([userName])' },
  { target: 'displayName', expression: 'Pinyin([displayName], " ")' },
  { target: 'name.givenName', expression: 'Pinyin([name.givenName])' },
  { target: 'name.familyName', expression: 'Pinyin([name.familyName])' },
  { target: 'emails[type eq "work"].value', expression: 'Append(Join(".", Pinyin([name.familyName]), Pinyin([name.givenName])), "@corp.example")' },
  { target: 'title', expression: 'Trim(Replace([title], "  ", " "))' },
  { target: 'nickName', expression: 'Left([userName], 8)' },
  { target: 'preferredLanguage', expression: 'Switch([locale], "en", "zh-CN", "zh", "en-US", "en")' },
  { target: `${URN.enterpriseUser}:employeeNumber`, expression: 'IIF(IsPresent([employeeNumber]), [employeeNumber], [id])' },
];
