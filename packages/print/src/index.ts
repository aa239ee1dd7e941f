export { renderLockoutCard, type LockoutCardData } from './lockout-card.js';
export {
  LABEL_LAYOUTS,
  renderLabels,
  type LabelData,
  type LabelGeometry,
  type LabelLayout,
  type LabelSheetData,
} from './labels.js';
export {
  renderInstructionMatrix,
  type InstructionMatrixPdfData,
  type MatrixCellState,
} from './instruction-matrix.js';
export { renderInstructionRecord, type InstructionRecordPdfData } from './instruction-record.js';
export { MTK_STICKER_MM, renderMtkSticker, type MtkStickerData } from './mtk-sticker.js';
export { renderRegister, streamRegister, type RegisterPdfData, type RegisterPdfRow } from './register-pdf.js';
export { renderLogbook, SHORT_HASH, type LogbookPdfData } from './logbook-pdf.js';
