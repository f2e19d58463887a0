/** A row's sampling settings, apart from sampling.ts so that the drawing helpers it imports can name them without importing it back. */
export interface SamplingParams {
  /** false: greedy (argmax). */
  doSample: boolean;
  temperature: number;
  /** 0 disables top-k. */
  topK: number;
  /** 1 disables top-p. */
  topP: number;
  /** HF's min_p: tokens less likely than min_p times the best one are dropped. 0 disables. Default 0. */
  minP?: number;
}
