/** What the watchdog's unit tests share: the test stack with a short grace on its db service. */
import type { Recipe } from '../../../electron/core/stacks/types';
import { EngawaError } from '../../../electron/core/util/errors';
import { testRecipe } from '../instances/recipe';

/** The test stack whose db (the service with a health check) may stay unhealthy `graceS` seconds, and a registry of it alone. */
export function stackWithGrace(graceS: number): { recipe: Recipe; recipes: { get(id: string): Recipe; list(): Recipe[] } } {
  const recipe: Recipe = { ...testRecipe, services: testRecipe.services.map((s) => (s.name === 'db' ? { ...s, unhealthyGraceS: graceS } : s)) };
  const recipes = {
    get: (id: string): Recipe => {
      if (id === recipe.id) return recipe;
      throw new EngawaError('NOT_FOUND', `no stack ${id}`);
    },
    list: (): Recipe[] => [recipe],
  };
  return { recipe, recipes };
}
