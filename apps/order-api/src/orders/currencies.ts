/**
 * The currencies an order may be in: ISO 4217's active currency codes (List One) with their minor units, as ISO
 * publishes them (Intl's data differs for some, e.g. IQD). Left out on purpose: fund codes (BOV, CHE, CHW, CLF, COU,
 * MXV, USN, UYI, UYW), and the X codes that are not money a customer pays in: precious metals (XAU, XAG, XPD, XPT),
 * bond-market units (XBA-XBD), XDR, XSU, XUA, the testing code XTS and "no currency" XXX. Withdrawn codes are gone:
 * ANG (replaced by XCG, 2025), BGN (EUR, 2026), HRK (EUR, 2023), SLL (SLE), ZWL (ZWG), CUC.
 */
const ZERO = 'BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX VND VUV XAF XOF XPF';
const THREE = 'BHD IQD JOD KWD LYD OMR TND';
const TWO =
  'AED AFN ALL AMD AOA ARS AUD AWG AZN BAM BBD BDT BMD BND BOB BRL BSD BTN BWP BYN BZD CAD CDF CHF CNY COP CRC CUP ' +
  'CVE CZK DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GTQ GYD HKD HNL HTG HUF IDR ILS INR IRR JMD KES ' +
  'KGS KHR KPW KYD KZT LAK LBP LKR LRD LSL MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK ' +
  'NPR NZD PAB PEN PGK PHP PKR PLN QAR RON RSD RUB SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB ' +
  'TJS TMT TOP TRY TTD TWD TZS UAH USD UYU UZS VED VES WST XCD XCG YER ZAR ZMW ZWG';

const MINOR_UNITS = new Map<string, number>(
  ([[ZERO, 0], [TWO, 2], [THREE, 3]] as const).flatMap(([codes, digits]) => codes.split(' ').map((code) => [code, digits] as const)),
);

/** Every accepted currency code, upper case. */
export const CURRENCY_CODES: readonly string[] = [...MINOR_UNITS.keys()].sort();

/** Decimal places of an accepted currency (2 for EUR, 0 for JPY, 3 for KWD); throws for any other code. */
export function minorUnits(currency: string): number {
  const digits = MINOR_UNITS.get(currency);
  if (digits === undefined) throw new RangeError(`${JSON.stringify(currency)} is not an accepted currency code`);
  return digits;
}
