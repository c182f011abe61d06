// The 0.27 ParserConfig pydantic model as a pydantic-lite spec: what PATCH/PUT document accepts in
// `parser_config` (strict types, extra keys forbidden — a full parser_config read back from RAGFlow,
// with llm_id or table_context_size, is rejected).
import type { Spec } from './pydantic-lite.js';


const RAPTOR: Spec = {
  kind: 'model',
  name: 'RaptorConfig',
  extra: 'forbid',
  fields: {
    use_raptor: { kind: 'bool' },
    prompt: { kind: 'str', minLength: 1 },
    max_token: { kind: 'int', ge: 512, le: 2048 },
    clustering_threshold: { kind: 'float', ge: 0, le: 1 },
    clustering_ratio: { kind: 'float', ge: 0, le: 1 },
    max_cluster: { kind: 'int', ge: 1, le: 1024 },
    random_seed: { kind: 'int', ge: 0 },
    scope: { kind: 'literal', values: ['file', 'dataset'] },
    auto_disable_for_structured_data: { kind: 'bool' },
    // Legacy keys RAGFlow drops before validating.
    ext: { kind: 'any' },
    threshold: { kind: 'any' },
    clustering_method: { kind: 'any' },
    tree_builder: { kind: 'any' },
  },
};

const GRAPHRAG: Spec = {
  kind: 'model',
  name: 'GraphragConfig',
  extra: 'forbid',
  fields: {
    use_graphrag: { kind: 'bool' },
    entity_types: { kind: 'list', items: { kind: 'str' } },
    method: { kind: 'literal', values: ['light', 'general', 'ner'] },
    community: { kind: 'bool' },
    resolution: { kind: 'bool' },
    batch_chunk_token_size: { kind: 'int', ge: 512, le: 8196 },
    retry_attempts: { kind: 'int', ge: 1, le: 10 },
    retry_backoff_seconds: { kind: 'float', ge: 0, le: 600 },
    retry_backoff_max_seconds: { kind: 'float', ge: 0, le: 3600 },
    build_subgraph_timeout_per_chunk_seconds: { kind: 'int', ge: 1, le: 86400 },
    build_subgraph_min_timeout_seconds: { kind: 'int', ge: 1, le: 86400 },
    merge_timeout_seconds: { kind: 'int', ge: 0, le: 86400 },
    resolution_timeout_seconds: { kind: 'int', ge: 0, le: 86400 },
    community_timeout_seconds: { kind: 'int', ge: 0, le: 86400 },
    lock_acquire_timeout_seconds: { kind: 'int', ge: 0, le: 86400 },
  },
};

export const PARSER_CONFIG_SPEC: Spec = {
  kind: 'model',
  name: 'ParserConfig',
  extra: 'forbid',
  nullable: true,
  fields: {
    auto_keywords: { kind: 'int', ge: 0, le: 32 },
    auto_questions: { kind: 'int', ge: 0, le: 10 },
    chunk_token_num: { kind: 'int', ge: 1, le: 2048 },
    delimiter: { kind: 'str', minLength: 1 },
    graphrag: GRAPHRAG,
    html4excel: { kind: 'bool' },
    layout_recognize: { kind: 'str' },
    parent_child: {
      kind: 'model',
      name: 'ParentChildConfig',
      extra: 'forbid',
      fields: { use_parent_child: { kind: 'bool' }, children_delimiter: { kind: 'str', minLength: 1 } },
    },
    enable_children: { kind: 'bool' },
    children_delimiter: { kind: 'str' },
    raptor: RAPTOR,
    tag_kb_ids: { kind: 'list', items: { kind: 'str' } },
    topn_tags: { kind: 'int', ge: 1, le: 10 },
    filename_embd_weight: { kind: 'float', ge: 0, le: 1, nullable: true },
    task_page_size: { kind: 'int', ge: 1, nullable: true },
    pages: { kind: 'list', items: { kind: 'list', items: { kind: 'int' } }, nullable: true },
    compilation_template_group_id: { kind: 'any' },
    ext: { kind: 'dict' },
    table_column_mode: { kind: 'literal', values: ['auto', 'manual'], nullable: true },
    table_column_roles: { kind: 'dict', nullable: true },
    table_column_names: { kind: 'list', items: { kind: 'str' }, nullable: true },
  },
};
