/** T11's fates (the W7 model): poison always fails, crasher kills its worker, flaky fails its first attempt. */
export type Fate = 'poison' | 'crasher' | 'flaky' | 'normal';

/** The fate of a value `<proc>-<n>` by n mod 8: 0 poison, 1 crasher, 2 flaky, the rest normal. */
export function fateOf(value: string): Fate {
  const n = Number(value.slice(value.lastIndexOf('-') + 1));
  switch (n % 8) {
    case 0:
      return 'poison';
    case 1:
      return 'crasher';
    case 2:
      return 'flaky';
    default:
      return 'normal';
  }
}
