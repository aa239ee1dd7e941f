export { renderLockoutCard, type LockoutCardData } from './lockout-card.js';
