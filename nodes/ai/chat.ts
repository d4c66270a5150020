import { z } from 'zod';
import { defineNode, out } from '../sdk/define-node.ts';
import { NodeError } from '../../server/contract/node-error.ts';
import { credentialParam } from '../sdk/credentials.ts';
import type { Json, NodeContext } from '../sdk/types.ts';
import { limitOf, rateLimitParams } from '../sdk/rate-limit.ts';
import { fieldName } from '../sdk/fields.ts';
import { renderTemplate } from '../../server/contract/expression/template.ts';
import { checkAnswer, compileAnswerSchema, schemaTextProblem, type AnswerSchema } from './lib/answer-schema.ts';
import { chatCompletion, type ChatMessage } from './lib/chat-call.ts';
import { addUsage, NO_USAGE, TOKEN_USAGE_KEY, type TokenUsage } from './lib/usage.ts';

/** The kind of credential the step reads its endpoint and key from (server/vault/kinds.ts). */
const CREDENTIAL_KIND = 'ai_endpoint';
/** How much of the last answer an E_AI_SCHEMA message quotes (the whole one is in the step's log). */
const ANSWER_EXCERPT = 500;

const params = z
  .object({
    credential: credentialParam(CREDENTIAL_KIND, 'The AI endpoint from the vault: its base URL (OpenAI, Ollama, vLLM, llama.cpp server…) and API key. The key never shows in logs, records or reports.', 'AI endpoint'),
    model: z
      .string()
      .trim()
      .min(1, 'Name the model, e.g. gpt-4o-mini or llama3.1.')
      .max(200)
      .default('gpt-4o-mini')
      .describe('The model to ask, as the server names it, e.g. gpt-4o-mini (OpenAI) or llama3.1 (Ollama).')
      .meta({ title: 'Model' }),
    system: z
      .string()
      .max(50_000)
      .default('You write short, friendly business messages. Answer in the language of the record.')
      .describe('Instructions for the model (the system message). May use record fields in double braces, e.g. {{ city }}. With an answer schema, the step adds the schema to it.')
      .meta({ title: 'System message', widget: 'template' }),
    prompt: z
      .string()
      .min(1, 'Write what to ask the model.')
      .max(50_000)
      .default('Write an introduction for this business.\nname: {{ name }}\ncity: {{ city }}')
      .describe('What to ask, with the record\'s fields in double braces, e.g. "Write an intro for {{ name }} in {{ city }}". Lines like "name: {{ name }}" give the model the facts plainly.')
      .meta({ title: 'Prompt', widget: 'template' }),
    answerSchema: z
      .string()
      .max(20_000)
      .default('')
      .describe('A JSON Schema the answer must match, e.g. {"type":"object","properties":{"subject":{"type":"string"}},"required":["subject"]}. The answer is then stored as JSON; an answer that does not match is sent back to the model with what is wrong. Empty: the answer is stored as text.')
      .meta({ title: 'Answer schema (JSON Schema)', widget: 'textarea' }),
    schemaRetries: z
      .number()
      .int('Use a whole number.')
      .min(0)
      .max(5, 'At most 5: a model that missed the schema 6 times will not get it right.')
      .default(2)
      .describe('How many times an answer that does not match the schema is sent back for correction before the step fails (E_AI_SCHEMA).')
      .meta({ title: 'Corrections asked' }),
    temperature: z
      .number()
      .min(0, 'The temperature goes from 0 to 2.')
      .max(2, 'The temperature goes from 0 to 2.')
      .default(0.2)
      .describe('0: the same answer each time, as far as the model allows; higher: more varied wording (up to 2).')
      .meta({ title: 'Temperature' }),
    maxTokens: z
      .number()
      .int('Use a whole number.')
      .min(1)
      .max(200_000)
      .default(800)
      .describe('The longest answer, in tokens (about ¾ of a word each). A JSON answer cut at this limit does not match its schema.')
      .meta({ title: 'Max answer tokens' }),
    responseFormat: z
      .enum(['json_schema', 'json_object', 'none'])
      .default('json_schema')
      .describe('How the server is asked for JSON when there is an answer schema: json_schema (OpenAI, recent Ollama and vLLM enforce the schema), json_object (JSON of any shape; the step checks the schema), none (servers that accept neither; the instructions ask for JSON).')
      .meta({ title: 'Ask the server for JSON' }),
    timeoutMs: z
      .number()
      .int('Use a whole number of milliseconds.')
      .min(1, 'The time limit must be at least 1 ms.')
      .max(600_000, 'The time limit can be at most 10 minutes (600000 ms).')
      .default(60_000)
      .describe('How long to wait for each answer, in milliseconds (60000 = 1 minute).')
      .meta({ title: 'Time limit per answer (ms)' }),
    retries: z
      .number()
      .int('Use a whole number.')
      .min(0)
      .max(10)
      .default(3)
      .describe('How many times a "too many requests" (429) or server error (5xx) answer is retried, waiting what the server asks (Retry-After, up to the limit below) or longer each time.')
      .meta({ title: 'Retries when busy' }),
    ...rateLimitParams,
    outputField: fieldName('ai').describe('The field that receives the answer (JSON with a schema, else text).').meta({ title: 'Store the answer in' }),
    usageField: fieldName('aiUsage').describe('The field that receives the tokens this step used: { prompt, completion, total, calls }.').meta({ title: 'Store the tokens used in' }),
  })
  .superRefine((p, issue) => {
    const problem = schemaTextProblem(p.answerSchema);
    if (problem) issue.addIssue({ code: 'custom', path: ['answerSchema'], message: problem });
  });

type Params = z.infer<typeof params>;

export const aiChat = defineNode({
  type: 'ai.chat',
  title: 'AI: ask a model',
  category: 'Network',
  description: 'Asks an OpenAI-compatible model (OpenAI, Ollama, vLLM…) with a prompt made from the record, and stores its answer — JSON checked against a schema, or text.',
  icon: 'sparkles',
  params,
  credentials: [{ name: 'credential', kind: CREDENTIAL_KIND }],
  // Asking again costs tokens but changes nothing for anyone else: a step in doubt after a crash is
  // simply asked again (no review needed), as a GET would be.
  effect: 'idempotent',
  async run(ctx) {
    const p = ctx.params;
    const schema = compileAnswerSchema(p.answerSchema);
    const cred = await ctx.credentials.get(p.credential, { kind: CREDENTIAL_KIND });
    const baseUrl = endpointOf(cred.fields.baseUrl, cred.name);
    const apiKey = cred.secrets.apiKey ?? '';

    const messages: ChatMessage[] = [];
    const system = (await renderTemplate(p.system, ctx.input, 'the system message')).trim();
    const instructions = schema ? schemaInstructions(schema) : '';
    if (system || instructions) messages.push({ role: 'system', content: [system, instructions].filter(Boolean).join('\n\n') });
    messages.push({ role: 'user', content: await renderTemplate(p.prompt, ctx.input, 'the prompt') });

    const body: Record<string, unknown> = { model: p.model, temperature: p.temperature, max_tokens: p.maxTokens };
    if (schema && p.responseFormat === 'json_schema') body.response_format = { type: 'json_schema', json_schema: { name: 'answer', schema: schema.json } };
    if (schema && p.responseFormat === 'json_object') body.response_format = { type: 'json_object' };

    let usage: TokenUsage = NO_USAGE;
    let calls = 0;
    for (let correction = 0; ; correction++) {
      const answer = await chatCompletion({
        network: ctx.network,
        signal: ctx.signal,
        log: ctx.log,
        run: ctx.run,
        limit: limitOf(p),
        maxRetryAfterMs: p.retryAfterMaxSeconds * 1000,
        baseUrl,
        apiKey,
        body,
        messages,
        timeoutMs: p.timeoutMs,
        retries: p.retries,
      });
      calls++;
      usage = addUsage(usage, answer.usage);
      ctx.log.info(`${p.model} answered in ${answer.ms} ms: ${answer.usage.total} tokens (prompt ${answer.usage.prompt}, answer ${answer.usage.completion}).`, { [TOKEN_USAGE_KEY]: { ...answer.usage } });
      const cut = answer.finishReason === 'length' ? ` The answer was cut at ${p.maxTokens} tokens (Max answer tokens).` : '';
      if (!schema) return out(result(ctx, p, answer.content, usage, calls));

      const check = checkAnswer(answer.content, schema);
      if (check.ok) return out(result(ctx, p, check.value, usage, calls));
      if (correction >= p.schemaRetries) {
        ctx.log.warn(`The last answer did not match the schema: ${check.problem}.`, { lastAnswer: answer.content });
        throw new NodeError(
          'E_AI_SCHEMA',
          `The model's answer did not match the answer schema after ${calls} ${calls === 1 ? 'answer' : 'answers'}: ${check.problem}.${cut} Last answer: ${excerpt(answer.content)}`,
          cut
            ? 'Raise "Max answer tokens" so the whole JSON fits, or ask for less in the prompt.'
            : 'Make the prompt say plainly what each field must hold, simplify the schema, allow more corrections, or choose a model that follows JSON Schemas (then keep "Ask the server for JSON" on json_schema).',
        );
      }
      ctx.log.warn(`The answer did not match the schema (${check.problem}); asking for a correction (${correction + 1} of ${p.schemaRetries}).`);
      messages.push({ role: 'assistant', content: answer.content });
      messages.push({ role: 'user', content: `Your answer does not fit: ${check.problem}.${cut} Answer again with only the corrected JSON, matching the JSON Schema.` });
    }
  },
});

function result(ctx: NodeContext<Params>, p: Params, answer: Json, usage: TokenUsage, calls: number) {
  return { ...ctx.input, [p.outputField]: answer, [p.usageField]: { ...usage, calls } };
}

/** What the system message adds for a schema: the marker "JSON Schema:" and the schema itself. */
function schemaInstructions(schema: AnswerSchema): string {
  return `Answer with one JSON value and nothing else (no explanation, no Markdown), matching this JSON Schema:\n${JSON.stringify(schema.json)}`;
}

function endpointOf(value: Json | undefined, name: string): URL {
  try {
    const url = new URL(String(value ?? ''));
    if (url.protocol === 'http:' || url.protocol === 'https:') return url;
  } catch {
    // reported below
  }
  throw new NodeError('E_AI_ENDPOINT_INVALID', `The AI credential "${name}" has no usable base URL.`, 'Edit the credential on the Credentials page: its base URL must look like https://api.openai.com/v1.');
}

function excerpt(text: string): string {
  return JSON.stringify(text.length > ANSWER_EXCERPT ? `${text.slice(0, ANSWER_EXCERPT)}…` : text);
}
