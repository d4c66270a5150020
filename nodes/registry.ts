import type { AnyNodeDefinition, DynamicPorts, NodeCategory, PortSpec, SideEffect, CredentialRequirement } from './sdk/types.ts';
import { allOutputs, ERROR_PORT } from '../server/contract/ports.ts';
import { formSchema } from '../server/contract/form-schema.ts';
import type { NodeTypeInfo } from '../server/contract/wire/node-types.ts';
export type { NodeTypeInfo };


export class NodeRegistry {
  private readonly byType = new Map<string, AnyNodeDefinition>();

  constructor(definitions: AnyNodeDefinition[]) {
    for (const def of definitions) {
      if (this.byType.has(def.type)) throw new Error(`Node type "${def.type}" is registered twice.`);
      this.byType.set(def.type, def);
    }
  }

  get(type: string): AnyNodeDefinition | undefined {
    return this.byType.get(type);
  }

  types(): string[] {
    return [...this.byType.keys()];
  }

  /** Output ports of a node given its params (switch rules add ports). */
  outputPorts(type: string, params: unknown): PortSpec[] {
    const def = this.byType.get(type);
    if (!def) return [];
    return allOutputs(def, params);
  }

  catalog(): NodeTypeInfo[] {
    return [...this.byType.values()].map(describe);
  }
}

function describe(def: AnyNodeDefinition): NodeTypeInfo {
  const parsedDefaults = def.params.safeParse({});
  return {
    type: def.type,
    title: def.title,
    category: def.category,
    description: def.description,
    icon: def.icon,
    effect: def.effect,
    trigger: def.trigger ?? false,
    collect: def.collect ?? false,
    acceptsFile: def.acceptsFile ?? false,
    grouped: def.grouping !== undefined,
    inputs: def.inputs,
    outputs: def.outputs,
    errorPort: ERROR_PORT,
    dynamicOutputs: def.dynamicOutputs,
    credentials: def.credentials ?? [],
    paramsSchema: formSchema(def.params),
    defaults: parsedDefaults.success ? (parsedDefaults.data as Record<string, unknown>) : {},
  };
}
