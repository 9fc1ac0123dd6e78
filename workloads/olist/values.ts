/**
 * Value lists of the Olist tables, written once: the dataset files name them
 * (`acceptedValues: order_statuses`), the feature store and the generator
 * import them.
 */

/** The 27 Brazilian federative units, as Olist writes them. */
export const BRAZILIAN_STATES = [
  'AC', 'AL', 'AM', 'AP', 'BA', 'CE', 'DF', 'ES', 'GO', 'MA', 'MG', 'MS', 'MT', 'PA',
  'PB', 'PE', 'PI', 'PR', 'RJ', 'RN', 'RO', 'RR', 'RS', 'SC', 'SE', 'SP', 'TO',
] as const;

export const ORDER_STATUSES = ['created', 'approved', 'invoiced', 'processing', 'shipped', 'delivered', 'unavailable', 'canceled'] as const;
export const PAYMENT_TYPES = ['credit_card', 'boleto', 'voucher', 'debit_card', 'not_defined'] as const;

/** Olist orders start in September 2016. */
export const FIRST_ORDER_MONTH = '2016-09';

/** The value sets the dataset files may name. */
export const OLIST_VALUE_SETS = {
  brazilian_states: BRAZILIAN_STATES,
  order_statuses: ORDER_STATUSES,
  payment_types: PAYMENT_TYPES,
} as const;
