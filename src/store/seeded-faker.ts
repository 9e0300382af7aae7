// The English build alone: the package's main entry loads every locale (~0.4 s at start-up).
import { faker as english } from '@faker-js/faker/locale/en'

export type Faker = typeof english

// faker.seed alone does not make faker.date.* reproducible; a fixed reference date does.
english.setDefaultRefDate(new Date('2026-01-01T00:00:00.000Z'))

/**
 * The faker, reseeded: every answer until the next call follows from `seed` alone. There
 * is one instance; each entity (directory file, batch, job id) seeds it from its own key,
 * so nothing generated depends on what was generated before it.
 */
export function seededFaker(seed: number): Faker {
  english.seed(seed)
  return english
}
