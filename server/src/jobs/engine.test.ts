import { commitJobs, isLockConflict, type WorkedJob } from './engine';

/** A ledger and a transaction that keep what a committed transaction wrote, and drop what a rolled-back one did. */
function fakeDatabase() {
  const committed: string[] = [];
  let pending: string[] | undefined;
  const write = (entry: string) => (pending ? pending.push(entry) : committed.push(entry));
  const end = async (ids: readonly number[], state: string, outcome?: string) => {
    write(`finish ${ids.join(',')} ${state}${outcome ? `: ${outcome}` : ''}`);
  };
  const transaction = async <T>(work: () => Promise<T>): Promise<T> => {
    pending = [];
    try {
      const result = await work();
      committed.push(...pending);
      return result;
    } finally {
      pending = undefined;
    }
  };
  return { committed, write, options: { end, transaction } };
}

describe('commitJobs', () => {
  it('takes a commit again after a lock conflict, not after any other error', async () => {
    const db = fakeDatabase();
    let attempts = 0;
    const busy = Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' });
    const save = async () => {
      attempts++;
      if (attempts < 3) throw busy;
      db.write('save a');
    };
    await commitJobs(db.options, [{ ids: [1], result: { state: 'done', save } }]);
    expect(attempts).toBe(3);
    expect(db.committed).toEqual(['finish 1 done', 'save a']);
    expect(isLockConflict(new Error('File not found'))).toBe(false);
    expect(isLockConflict(Object.assign(new Error('deadlock detected'), { code: '40P01' }))).toBe(true);
  });

  it('writes a batch and ends its rows in one transaction, one ledger update per outcome', async () => {
    const db = fakeDatabase();
    const saved = (file: string) => () => Promise.resolve(db.write(`save ${file}`));
    const worked: WorkedJob[] = [
      { ids: [1], result: { state: 'done', save: saved('a') } },
      { ids: [2], result: { state: 'done', save: saved('b') } },
      { ids: [3, 7], result: { state: 'skipped', outcome: 'not a photo' } },
    ];
    await commitJobs(db.options, worked);
    expect(db.committed).toEqual(['finish 1,2 done', 'finish 3,7 skipped: not a photo', 'save a', 'save b']);
  });

  it('a job whose verdict cannot be saved ends failed alone; the others of its batch keep theirs', async () => {
    const db = fakeDatabase();
    const worked: WorkedJob[] = [
      { ids: [1], result: { state: 'done', save: async () => db.write('save a') } },
      {
        ids: [2],
        result: {
          state: 'done',
          save: async () => {
            throw new Error('File not found');
          },
        },
      },
      { ids: [3], result: { state: 'done', save: async () => db.write('save c') } },
    ];
    await commitJobs(db.options, worked);
    expect(db.committed).toEqual([
      'finish 1 done',
      'save a',
      'finish 2 failed: the verdict could not be saved: File not found',
      'finish 3 done',
      'save c',
    ]);
  });
});
