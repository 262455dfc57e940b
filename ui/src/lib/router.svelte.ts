// A tiny screen router. Screens are a closed union so that every place that
// switches on them is checked by the compiler when a screen is added.

export type Screen = { name: 'login' } | { name: 'top' };

export type ScreenName = Screen['name'];

export class Router {
  current = $state<Screen>({ name: 'login' });

  go(screen: Screen): void {
    this.current = screen;
  }

  is(name: ScreenName): boolean {
    return this.current.name === name;
  }
}

export const router = new Router();
