/**
 * Routing controls of a drop-in batch. OpenAI's create body has no place for them, so they ride
 * in `metadata` under `batchrouter_*` keys; without them a batch gets the manifest defaults
 * (standard SLA, sla_aware routing, standard privacy, any region).
 */
import { REGIONS } from '../catalog.ts';
import { PRIVACY_TIERS, ROUTING_MODES, SLA_TIERS, type Manifest } from '../manifest.ts';
import { invalidParameter, supportedValues } from './errors.ts';

export const ROUTING_KEYS = {
  sla_tier: 'batchrouter_sla_tier',
  routing_mode: 'batchrouter_routing_mode',
  privacy_tier: 'batchrouter_privacy_tier',
  allowed_regions: 'batchrouter_allowed_regions',
} as const;

const KNOWN_KEYS: readonly string[] = Object.values(ROUTING_KEYS);
const PREFIX = 'batchrouter_';

function oneOf<T extends string>(metadata: Record<string, string>, key: string, values: readonly T[]): T | undefined {
  const value = metadata[key];
  if (value === undefined) return undefined;
  if (!(values as readonly string[]).includes(value)) throw invalidParameter(`metadata.${key}`, `Invalid value: '${value}'. ${supportedValues(values)}`);
  return value as T;
}

/** `global`, or a comma-separated subset of the regions, each once. */
function regionsOf(metadata: Record<string, string>): string[] | undefined {
  const text = metadata[ROUTING_KEYS.allowed_regions];
  if (text === undefined) return undefined;
  const param = `metadata.${ROUTING_KEYS.allowed_regions}`;
  const regions = text.split(',').map((region) => region.trim());
  if (regions.length === 1 && regions[0] === 'global') return ['global'];
  for (const region of regions) {
    if (!(REGIONS as readonly string[]).includes(region)) {
      throw invalidParameter(param, `Invalid value: '${text}'. Use 'global', or regions separated by commas from: ${REGIONS.join(', ')} (e.g. 'us,eu').`);
    }
  }
  if (new Set(regions).size !== regions.length) throw invalidParameter(param, `Invalid value: '${text}'. Name each region once.`);
  return regions;
}

/** The manifest's routing options from a drop-in batch's metadata; a bad value is a 400 naming its key. */
export function routingOptionsOf(metadata: Record<string, string> | null | undefined): Omit<Manifest, 'items'> {
  if (!metadata) return {};
  for (const key of Object.keys(metadata)) {
    if (key.startsWith(PREFIX) && !KNOWN_KEYS.includes(key)) {
      throw invalidParameter(`metadata.${key}`, `Unknown BatchRouter metadata key '${key}'. Known keys: ${KNOWN_KEYS.join(', ')}.`, 'unknown_parameter');
    }
  }
  const slaTier = oneOf(metadata, ROUTING_KEYS.sla_tier, SLA_TIERS);
  const routingMode = oneOf(metadata, ROUTING_KEYS.routing_mode, ROUTING_MODES);
  const privacyTier = oneOf(metadata, ROUTING_KEYS.privacy_tier, PRIVACY_TIERS);
  const regions = regionsOf(metadata);
  return {
    ...(slaTier !== undefined ? { sla_tier: slaTier } : {}),
    ...(routingMode !== undefined ? { routing_mode: routingMode } : {}),
    ...(privacyTier !== undefined ? { privacy_tier: privacyTier } : {}),
    ...(regions !== undefined ? { allowed_regions: regions } : {}),
  };
}
