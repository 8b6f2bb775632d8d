// The one palette of the site: Okabe & Ito's eight colours, chosen to stay
// distinguishable with the common colour-vision deficiencies (protanopia,
// deuteranopia, tritanopia) and in greyscale print. Every lab draws its
// series from here, and a lab's two compared models (consistent / plain,
// natural / robust, noisy / deterministic, quasi / uniform, …) are always
// BLUE for the method the paper proposes and VERMILLION for its baseline.

export const PALETTE = {
  black: '#000000',
  orange: '#E69F00',
  sky: '#56B4E9',
  green: '#009E73',
  yellow: '#F0E442',
  blue: '#0072B2',
  vermillion: '#D55E00',
  purple: '#CC79A7',
};

/** Series in order, for charts with many lines (yellow last: faint on white). */
export const SERIES = ['blue', 'vermillion', 'green', 'orange', 'purple', 'sky', 'black', 'yellow'].map((k) => PALETTE[k]);
