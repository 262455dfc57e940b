// A tiny screen router with a back stack. Screens are a closed union so that every place that
// switches on them is checked by the compiler when a screen is added.

/** A resident as the screens pass one around: 自治体番号 + 接種券番号. */
export type ResidentRef = { municipality_code: string; ticket_number: string };

export type Screen =
  | { name: 'login' }
  | { name: 'top' }
  /** 予約 (manual 2-1, 2-2): from the ticket, or for a known resident's next dose. */
  | { name: 'reserve'; resident?: ResidentRef; dose?: number }
  /** 受付: the day's arrivals, vaccinations and open vials. */
  | { name: 'reception' }
  /** 住民検索 (manual 4-2). */
  | { name: 'residents' }
  /** 住民情報 (manual 4-2): detail, 情報変更, キャンセル, 予約の変更, 新規予約. */
  | { name: 'resident'; resident: ResidentRef }
  /** 予約の変更 (manual 3-2) of one booking. */
  | { name: 'change'; resident: ResidentRef; bookingId: string }
  /** 接種予約枠: the clinic's slots. */
  | { name: 'slots' }
  /** 接種予約状況・実績 一覧 (manual 4-1). */
  | { name: 'bookings' }
  /** 接種会場: the clinic's venues. */
  | { name: 'venues' }
  /** 有効接種券: look a ticket up in the city's registry. */
  | { name: 'tickets' }
  /** 同期の問題: what the city server refused. */
  | { name: 'problems' }
  /** 予約枠報告: the period's cap and this clinic's reports to the city. */
  | { name: 'slot-reports' }
  /** 問い合わせ先 (manual §5): the call center and the lines by ward. */
  | { name: 'help' };

export type ScreenName = Screen['name'];

export class Router {
  current = $state<Screen>({ name: 'login' });
  #history: Screen[] = [];

  /** Opens `screen`; Esc (or 戻る) comes back here. */
  go(screen: Screen): void {
    if (screen.name === 'login' || screen.name === 'top') {
      this.#history = [];
    } else {
      this.#history.push(this.current);
    }
    this.current = screen;
  }

  /** Back to the previous screen (TOP at the latest); never past TOP to the login. */
  back(): void {
    const previous = this.#history.pop();
    if (previous) {
      this.current = previous;
    } else if (this.current.name !== 'login') {
      this.current = { name: 'top' };
    }
  }

  is(name: ScreenName): boolean {
    return this.current.name === name;
  }
}

export const router = new Router();
