import type { Actor } from '../../../shared/contracts/common';

/** The signed-in admin (`ctx.state.user`) as decisions name them: username, else full name, else e-mail. */
export interface AdminUser {
  id?: number;
  username?: string | null;
  firstname?: string | null;
  lastname?: string | null;
  email?: string | null;
}

export function actorOf(user: AdminUser | undefined): Actor {
  const fullName = [user?.firstname, user?.lastname].filter(Boolean).join(' ');
  return { id: user?.id ?? null, name: user?.username || fullName || user?.email || 'an admin' };
}
