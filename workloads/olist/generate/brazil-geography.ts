/**
 * Where Olist customers and sellers are: the 27 states with the share of
 * customers and sellers each had in the published dataset, the zip code
 * prefix range the state owns (CEP ranges), a rough centre, and its main
 * cities, capital first. Enough geography for plausible joins, not a gazetteer.
 */
import { BRAZILIAN_STATES } from '../values.ts';

export type BrazilianState = (typeof BRAZILIAN_STATES)[number];

export interface StateGeography {
  readonly state: BrazilianState;
  /** Olist customers (orders) in this state. */
  readonly customers: number;
  /** Olist sellers in this state (a floor of 0.5 keeps every state possible). */
  readonly sellers: number;
  readonly zipFirst: number;
  readonly zipLast: number;
  readonly latitude: number;
  readonly longitude: number;
  /** Degrees a city may lie from the centre. */
  readonly spread: number;
  readonly cities: readonly string[];
}

const state = (
  code: BrazilianState, customers: number, sellers: number, zipFirst: number, zipLast: number,
  latitude: number, longitude: number, spread: number, cities: readonly string[],
): StateGeography => ({ state: code, customers, sellers, zipFirst, zipLast, latitude, longitude, spread, cities });

export const STATES: readonly StateGeography[] = [
  state('AC', 81, 1, 69900, 69999, -9.97, -67.81, 1.5, ['rio branco', 'cruzeiro do sul', 'senador guiomard', 'brasileia']),
  state('AL', 413, 0.5, 57000, 57999, -9.65, -35.73, 0.8, ['maceio', 'arapiraca', 'rio largo', 'palmeira dos indios']),
  state('AM', 148, 1, 69000, 69299, -3.1, -60.02, 1.5, ['manaus', 'parintins', 'itacoatiara', 'manacapuru']),
  state('AP', 68, 0.5, 68900, 68999, 0.03, -51.07, 0.8, ['macapa', 'santana', 'laranjal do jari']),
  state('BA', 3380, 19, 40000, 48999, -12.97, -38.5, 2.5, ['salvador', 'feira de santana', 'vitoria da conquista', 'itabuna', 'camacari', 'ilheus']),
  state('CE', 1336, 13, 60000, 63999, -3.73, -38.52, 1.8, ['fortaleza', 'juazeiro do norte', 'caucaia', 'sobral', 'maracanau']),
  state('DF', 2140, 30, 70000, 72799, -15.79, -47.88, 0.3, ['brasilia', 'taguatinga', 'ceilandia', 'gama', 'sobradinho']),
  state('ES', 2033, 23, 29000, 29999, -20.32, -40.34, 0.9, ['vitoria', 'vila velha', 'serra', 'cariacica', 'cachoeiro de itapemirim']),
  state('GO', 2020, 40, 74000, 76799, -16.68, -49.25, 1.8, ['goiania', 'aparecida de goiania', 'anapolis', 'rio verde', 'catalao']),
  state('MA', 747, 1, 65000, 65999, -2.53, -44.3, 2, ['sao luis', 'imperatriz', 'timon', 'caxias', 'balsas']),
  state('MG', 11635, 244, 30000, 39999, -19.92, -43.94, 2.5, ['belo horizonte', 'contagem', 'juiz de fora', 'uberlandia', 'betim', 'montes claros', 'uberaba']),
  state('MS', 715, 5, 79000, 79999, -20.44, -54.65, 1.8, ['campo grande', 'dourados', 'tres lagoas', 'corumba']),
  state('MT', 907, 4, 78000, 78899, -15.6, -56.1, 2.5, ['cuiaba', 'varzea grande', 'rondonopolis', 'sinop', 'sorriso']),
  state('PA', 975, 1, 66000, 68899, -1.46, -48.5, 2.5, ['belem', 'ananindeua', 'santarem', 'maraba', 'castanhal']),
  state('PB', 536, 6, 58000, 58999, -7.12, -34.86, 1, ['joao pessoa', 'campina grande', 'santa rita', 'patos']),
  state('PE', 1652, 9, 50000, 56999, -8.05, -34.9, 1.8, ['recife', 'jaboatao dos guararapes', 'olinda', 'caruaru', 'petrolina', 'paulista']),
  state('PI', 495, 1, 64000, 64999, -5.09, -42.8, 1.8, ['teresina', 'parnaiba', 'picos', 'floriano']),
  state('PR', 5045, 349, 80000, 87999, -25.43, -49.27, 2, ['curitiba', 'londrina', 'maringa', 'ponta grossa', 'cascavel', 'sao jose dos pinhais', 'foz do iguacu']),
  state('RJ', 12852, 171, 20000, 28999, -22.91, -43.2, 0.9, ['rio de janeiro', 'niteroi', 'sao goncalo', 'duque de caxias', 'nova iguacu', 'petropolis', 'campos dos goytacazes']),
  state('RN', 485, 5, 59000, 59999, -5.79, -35.2, 1, ['natal', 'mossoro', 'parnamirim', 'caico']),
  state('RO', 253, 2, 76800, 76999, -8.76, -63.9, 1.5, ['porto velho', 'ji-parana', 'ariquemes', 'vilhena', 'cacoal']),
  state('RR', 46, 0.5, 69300, 69399, 2.82, -60.67, 0.6, ['boa vista', 'rorainopolis']),
  state('RS', 5466, 129, 90000, 99999, -30.03, -51.23, 2, ['porto alegre', 'caxias do sul', 'pelotas', 'canoas', 'santa maria', 'novo hamburgo', 'passo fundo']),
  state('SC', 3637, 190, 88000, 89999, -27.6, -48.55, 1.5, ['florianopolis', 'joinville', 'blumenau', 'sao jose', 'itajai', 'chapeco', 'criciuma']),
  state('SE', 350, 2, 49000, 49999, -10.91, -37.07, 0.6, ['aracaju', 'nossa senhora do socorro', 'lagarto', 'itabaiana']),
  state('SP', 41746, 1849, 1000, 19999, -23.55, -46.63, 1.6, ['sao paulo', 'guarulhos', 'campinas', 'sao bernardo do campo', 'santo andre', 'osasco', 'ribeirao preto', 'sorocaba', 'santos', 'sao jose dos campos', 'jundiai', 'piracicaba']),
  state('TO', 280, 0.5, 77000, 77999, -10.18, -48.33, 1.8, ['palmas', 'araguaina', 'gurupi', 'porto nacional']),
];

/** How Olist writes some city names when the customer typed the accents. */
export const ACCENTED_CITY_SPELLINGS: Readonly<Record<string, string>> = {
  'sao paulo': 'são paulo',
  'brasilia': 'brasília',
  'goiania': 'goiânia',
  'sao luis': 'são luís',
  'joao pessoa': 'joão pessoa',
  'maceio': 'maceió',
  'cuiaba': 'cuiabá',
  'belem': 'belém',
  'vitoria': 'vitória',
  'florianopolis': 'florianópolis',
  'niteroi': 'niterói',
  'sao goncalo': 'são gonçalo',
  'maringa': 'maringá',
  'uberlandia': 'uberlândia',
};
