import type { DirectoryOrg, DirectoryUser } from '../../lib/hooks/directory.js';

/**
 * The demo's size of company: 20 orgs (a root, 4 divisions, 15 teams, two of which share a name
 * under different divisions) and `people` users spread over the teams, each with a work e-mail.
 */
export function twentyOrgCompany(people = 30): { orgs: DirectoryOrg[]; users: DirectoryUser[] } {
  const orgs: DirectoryOrg[] = [{ id: 'root', name: 'Acme', order: 0 }];
  for (let d = 0; d < 4; d += 1) orgs.push({ id: `div${d}`, name: `Division ${d}`, parentId: 'root', order: d });
  for (let team = 0; team < 15; team += 1) {
    const parentId = `div${team % 4}`;
    // Team 0 and team 1 are both called "Platform": names repeat across a tree, never under one parent.
    orgs.push({ id: `team${team}`, name: team < 2 ? 'Platform' : `Team ${team}`, parentId, order: team });
  }
  const teams = orgs.slice(5);
  const users: DirectoryUser[] = Array.from({ length: people }, (_, index) => {
    const team = teams[index % teams.length]!;
    return {
      id: `emp${index}`,
      userName: `emp${index}@acme.example`,
      displayName: `Employee ${index}`,
      emails: [{ value: `emp${index}@mail.acme.example`, type: 'work', primary: true }],
      orgIds: [team.id],
      primaryOrgId: team.id,
    };
  });
  return { orgs, users };
}
