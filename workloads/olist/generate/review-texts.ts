/**
 * Portuguese review texts in the style of Olist's: short, informal, often
 * with commas, sometimes quoting the product, sometimes over several lines.
 * These are what break naive CSV readers, so they appear on purpose.
 */
import type { Random } from '../../../pipelines/workloads/generate/random.ts';

const TITLES: Record<'good' | 'neutral' | 'bad', readonly string[]> = {
  good: ['Recomendo', 'Ótimo', 'super recomendo', 'Excelente', 'Muito bom', 'Adorei', 'Perfeito', 'Chegou antes do prazo'],
  neutral: ['Bom', 'Razoável', 'ok', 'Poderia ser melhor', 'Produto ok'],
  bad: ['Não recebi', 'Péssimo', 'Horrível', 'Produto errado', 'Atrasou', 'Decepcionado', 'Não recomendo'],
};

const SENTENCES: Record<'good' | 'neutral' | 'bad', readonly string[]> = {
  good: [
    'Produto muito bom, chegou antes do prazo',
    'Recebi tudo certinho, bem embalado',
    'Ótimo produto, recomendo a todos',
    'Chegou rápido e em perfeito estado.',
    'Excelente qualidade, igual ao anúncio',
    'Comprei o "kit completo" e veio tudo, parabéns',
    'Entrega super rápida, vendedor nota 10!',
    'Produto de ótima qualidade, minha filha amou',
    'Tudo ok, dentro do prazo.',
  ],
  neutral: [
    'O produto é bom, mas a embalagem veio amassada',
    'Chegou no prazo, porém a cor é diferente da foto',
    'Razoável, esperava mais pelo preço',
    'Veio sem o manual, mas funciona',
    'O "tamanho M" ficou pequeno, vou trocar',
  ],
  bad: [
    'Não recebi o produto até agora',
    'Produto veio com defeito, quero a troca',
    'Comprei 2 unidades e só chegou 1',
    'Atrasou muito, e ninguém responde',
    'Veio o produto errado, pedi "azul" e chegou preto',
    'Péssimo atendimento, não recomendo',
    'Já faz 30 dias e nada, quero meu dinheiro de volta',
  ],
};

export function sentimentOf(score: number): 'good' | 'neutral' | 'bad' {
  return score >= 4 ? 'good' : score === 3 ? 'neutral' : 'bad';
}

/** Olist leaves about 88% of titles empty. */
export function reviewTitle(random: Random, score: number): string {
  return random.chance(0.12) ? random.pick(TITLES[sentimentOf(score)]) : '';
}

/** About 41% of Olist reviews have a message; unhappy customers write more often. */
export function reviewMessage(random: Random, score: number): string {
  const sentiment = sentimentOf(score);
  if (!random.chance(sentiment === 'good' ? 0.33 : 0.75)) return '';
  const first = random.pick(SENTENCES[sentiment]);
  if (!random.chance(0.2)) return first;
  const second = random.pick(SENTENCES[sentiment]);
  // Real answers are typed on phones: line breaks (sometimes \r\n) between thoughts.
  const separator = random.chance(0.5) ? (random.chance(0.8) ? '\n' : '\r\n') : ' ';
  return `${first}${separator}${second}`;
}
