// 住民検索's last query and results, kept while the app runs so that 戻る from 住民情報 returns to
// the same list instead of an empty form.
import type { ResidentSearch, SearchFields } from '../api/residents';

class SearchState {
  query = $state<SearchFields>({ ticket_number: '', phone: '', family_name_kana: '', given_name_kana: '' });
  result = $state<ResidentSearch | null>(null);
}

export const residentSearch = new SearchState();
