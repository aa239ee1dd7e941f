export { renderLockoutCard, type LockoutCardData } from './lockout-card.js';
export {
  LABEL_LAYOUTS,
  renderLabels,
  type LabelData,
  type LabelGeometry,
  type LabelLayout,
  type LabelSheetData,
} from './labels.js';
