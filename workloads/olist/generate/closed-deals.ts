/**
 * The marketing funnel's closed deals (olist_closed_deals_dataset.csv, the
 * columns Olist published): the leads the sales team signed up as sellers.
 *
 * Half the sellers who first sell from June 2017 on came through a deal,
 * won some days before that first month; a quarter as many deals again
 * signed sellers who never sell. How soon a signed seller starts, and
 * whether it ever does, follows what the lead declared: big and top online
 * leads, manufacturers, GTIN barcodes and a higher declared revenue start
 * sooner, beginners and offline leads later or never. So the
 * seller-activation model has real signal, and noise enough to be a model.
 */
import type { Random } from '../../../pipelines/workloads/generate/random.ts';
import { formatTimestamp, SALES_MONTHS } from './calendar.ts';
import { weightedPick } from '../../../pipelines/workloads/generate/random.ts';

/** The first sales month whose new sellers may have come through a deal (June 2017). */
const FIRST_DEAL_MONTH_INDEX = SALES_MONTHS.findIndex((m) => m.year === 2017 && m.month === 6);
const DEAL_SHARE = 0.5;
const NEVER_SELLING_SHARE = 0.25;

const LEAD_TYPES: readonly (readonly [string, number])[] = [
  ['online_medium', 0.3], ['industry', 0.15], ['online_big', 0.13], ['offline', 0.12], ['online_small', 0.1], ['other', 0.09], ['online_beginner', 0.07], ['online_top', 0.04],
];
/** How readily each kind of lead starts selling, 0 to 1. */
const LEAD_READINESS: Readonly<Record<string, number>> = {
  online_top: 0.9, online_big: 0.8, online_medium: 0.6, industry: 0.55, online_small: 0.45, other: 0.4, offline: 0.3, online_beginner: 0.25,
};
const SEGMENTS = ['home_decor', 'health_beauty', 'car_accessories', 'household_utilities', 'construction_tools_house_garden', 'audio_video_electronics', 'computers', 'pet', 'food_supplement', 'sports'];
const PROFILES: readonly (readonly [string, number])[] = [['cat', 0.48], ['eagle', 0.12], ['wolf', 0.09], ['shark', 0.03], ['cat, wolf', 0.02], ['', 0.26]];
const STOCKS = ['1-5', '5-20', '20-50', '50-200', '200+'];
const BUSINESS_TYPES: readonly (readonly [string, number])[] = [['reseller', 0.68], ['manufacturer', 0.29], ['other', 0.03]];

const monthStart = (index: number) => Date.UTC(SALES_MONTHS[index]!.year, SALES_MONTHS[index]!.month - 1, 1) / 1000;
const DAY = 86_400;

/** The sellers of the plan, as the deals need them: id, first sales month, and how much they sell. */
export interface DealSellers {
  readonly ids: readonly string[];
  readonly entry: Int32Array;
  readonly weight: Float64Array;
}

/** The deals' rows, in the dataset's column order. */
export function closedDealRows(random: Random, sellers: DealSellers): string[][] {
  const sdrs = Array.from({ length: 24 }, () => random.hexId());
  const srs = Array.from({ length: 22 }, () => random.hexId());
  const rows: string[][] = [];
  const deal = (sellerId: string, wonSecond: number, lead: string, business: string, hasGtin: string, revenue: number) => {
    const declared = random.chance(0.6);
    rows.push([
      random.hexId(),
      sellerId,
      random.pick(sdrs),
      random.pick(srs),
      formatTimestamp(wonSecond),
      random.pick(SEGMENTS),
      lead,
      weightedPick(random, PROFILES),
      declared ? (random.chance(0.8) ? 'True' : 'False') : '',
      hasGtin,
      declared ? random.pick(STOCKS) : '',
      business,
      declared ? String(Math.round(random.logNormal(80, 1))) : '',
      String(Math.round(revenue)),
    ]);
  };
  const lead = () => {
    const type = weightedPick(random, LEAD_TYPES);
    const business = weightedPick(random, BUSINESS_TYPES);
    const gtin = random.chance(0.7) ? (random.chance(0.55) ? 'True' : 'False') : '';
    const readiness = Math.min(1, LEAD_READINESS[type]! + (business === 'manufacturer' ? 0.1 : 0) + (gtin === 'True' ? 0.1 : 0) + random.normal() * 0.1);
    return { type, business, gtin, readiness };
  };
  const lastSecond = monthStart(SALES_MONTHS.length - 1);
  for (let s = 0; s < sellers.ids.length; s++) {
    const entry = sellers.entry[s]!;
    if (entry < FIRST_DEAL_MONTH_INDEX || !random.chance(DEAL_SHARE)) continue;
    const signed = lead();
    // A ready lead starts within weeks of the deal, a hesitant one takes months.
    const lagDays = -Math.log(1 - random.next()) * (12 + 150 * (1 - signed.readiness) ** 2);
    const won = monthStart(entry) - Math.round(lagDays * DAY) + random.int(0, DAY - 1);
    deal(sellers.ids[s]!, won, signed.type, signed.business, signed.gtin, random.logNormal(30_000 * Math.sqrt(sellers.weight[s]!), 0.6));
  }
  const neverSelling = Math.round(rows.length * NEVER_SELLING_SHARE);
  for (let n = 0; n < neverSelling; n++) {
    let signed = lead();
    // Leads that never start are mostly the hesitant ones.
    while (random.chance(signed.readiness)) signed = lead();
    const won = monthStart(FIRST_DEAL_MONTH_INDEX) + Math.floor(random.next() * (lastSecond - monthStart(FIRST_DEAL_MONTH_INDEX)));
    deal(random.hexId(), won, signed.type, signed.business, signed.gtin, random.chance(0.5) ? 0 : random.logNormal(8_000, 0.8));
  }
  return rows;
}
