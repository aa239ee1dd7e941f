/** The shape of a catalog with every message widened to string, so German must have English's keys. */
export type Widen<T> = { [K in keyof T]: T[K] extends string ? string : Widen<T[K]> };
