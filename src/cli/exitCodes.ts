// Documented exit codes of the `gradscope` command (README lists them).
export const EXIT = {
  ok: 0,
  invalidSpec: 1,
  usage: 2,
  divergedOrFailed: 3,
  interrupted: 130,
} as const;
