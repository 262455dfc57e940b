// 接種予約, 続けて2回目 (at this venue or the city's mass venue) and キャンセル
// (src-tauri/commands/bookings.rs: book, second_dose_plan, mass_venue_offer, book_at_mass_venue,
// cancel_booking).
import { commands } from '../api';

export type {
  BookRequest,
  Booked,
  MassVenueBooked,
  MassVenueOffer,
  MassVenueSlotRow as MassVenueSlot,
  PrivateFirst,
  Proposal,
  SecondDosePlan,
  Slot as CoreSlot,
} from '../generated/ipc';

export const reserveApi = {
  book: commands.book,
  /** null for a booking of dose 2 or later. */
  secondDosePlan: commands.secondDosePlan,
  massVenueOffer: commands.massVenueOffer,
  bookAtMassVenue: commands.bookAtMassVenue,
  cancel: commands.cancelBooking,
};
