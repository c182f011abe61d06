// Default parser_config per chunk method, as RAGFlow's get_parser_config() returns it (what the API
// shows for a new dataset and after a chunk-method change). Values observed from RAGFlow 0.24 / 0.27.

import { isDict } from './py-values.js';

type Config = Record<string, unknown>;
type Table = Record<string, Config | null>;

const TABLE_024: Table = {
  "naive": {
    "layout_recognize": "DeepDOC",
    "chunk_token_num": 512,
    "delimiter": "\n",
    "auto_keywords": 0,
    "auto_questions": 0,
    "html4excel": false,
    "topn_tags": 3,
    "raptor": {
      "use_raptor": true,
      "prompt": "Please summarize the following paragraphs. Be careful with the numbers, do not make things up. Paragraphs as following:\n      {cluster_content}\nThe above is the content you need to summarize.",
      "max_token": 256,
      "threshold": 0.1,
      "max_cluster": 64,
      "random_seed": 0
    },
    "graphrag": {
      "use_graphrag": true,
      "entity_types": [
        "organization",
        "person",
        "geo",
        "event",
        "category"
      ],
      "method": "light"
    }
  },
  "qa": {
    "raptor": {
      "use_raptor": false
    },
    "graphrag": {
      "use_graphrag": false
    }
  },
  "tag": null,
  "resume": null,
  "manual": {
    "raptor": {
      "use_raptor": false
    },
    "graphrag": {
      "use_graphrag": false
    }
  },
  "table": null,
  "paper": {
    "raptor": {
      "use_raptor": false
    },
    "graphrag": {
      "use_graphrag": false
    }
  },
  "book": {
    "raptor": {
      "use_raptor": false
    },
    "graphrag": {
      "use_graphrag": false
    }
  },
  "laws": {
    "raptor": {
      "use_raptor": false
    },
    "graphrag": {
      "use_graphrag": false
    }
  },
  "presentation": {
    "raptor": {
      "use_raptor": false
    },
    "graphrag": {
      "use_graphrag": false
    }
  },
  "one": null,
  "knowledge_graph": {
    "chunk_token_num": 8192,
    "delimiter": "\\n",
    "entity_types": [
      "organization",
      "person",
      "location",
      "event",
      "time"
    ],
    "raptor": {
      "use_raptor": false
    },
    "graphrag": {
      "use_graphrag": false
    }
  },
  "email": null,
  "picture": null
};

const TABLE_027: Table = {
  "naive": {
    "layout_recognize": "DeepDOC",
    "chunk_token_num": 512,
    "delimiter": "\n",
    "auto_keywords": 0,
    "auto_questions": 0,
    "html4excel": false,
    "topn_tags": 3,
    "raptor": {
      "use_raptor": true,
      "prompt": "Summarize the paragraphs below without inventing facts or changing numbers.\nOutput exactly two parts in the same language as the source:\n1. First line: a concise title only.\n2. Following lines: a concise summary of the content.\nDo not output labels, Markdown headings, bullet points, or any other commentary.\n\nParagraphs:\n{cluster_content}",
      "max_token": 512,
      "clustering_threshold": 0.3,
      "clustering_ratio": 0.5,
      "max_cluster": 64,
      "random_seed": 0
    },
    "graphrag": {
      "use_graphrag": true,
      "entity_types": [
        "organization",
        "person",
        "geo",
        "event",
        "category"
      ],
      "method": "light",
      "batch_chunk_token_size": 4096,
      "retry_attempts": 2,
      "retry_backoff_seconds": 2.0,
      "retry_backoff_max_seconds": 60.0,
      "build_subgraph_timeout_per_chunk_seconds": 300,
      "build_subgraph_min_timeout_seconds": 600,
      "merge_timeout_seconds": 180,
      "resolution_timeout_seconds": 1800,
      "community_timeout_seconds": 1800,
      "lock_acquire_timeout_seconds": 600
    },
    "parent_child": {
      "use_parent_child": false,
      "children_delimiter": "\n"
    }
  },
  "qa": {
    "raptor": {
      "use_raptor": false
    },
    "graphrag": {
      "use_graphrag": false
    }
  },
  "tag": null,
  "resume": null,
  "manual": {
    "raptor": {
      "use_raptor": false
    },
    "graphrag": {
      "use_graphrag": false
    }
  },
  "table": null,
  "paper": {
    "raptor": {
      "use_raptor": false
    },
    "graphrag": {
      "use_graphrag": false
    }
  },
  "book": {
    "raptor": {
      "use_raptor": false
    },
    "graphrag": {
      "use_graphrag": false
    }
  },
  "laws": {
    "raptor": {
      "use_raptor": false
    },
    "graphrag": {
      "use_graphrag": false
    }
  },
  "presentation": {
    "raptor": {
      "use_raptor": false
    },
    "graphrag": {
      "use_graphrag": false
    }
  },
  "one": null,
  "knowledge_graph": {
    "chunk_token_num": 8192,
    "delimiter": "\n",
    "entity_types": [
      "organization",
      "person",
      "location",
      "event",
      "time"
    ],
    "raptor": {
      "use_raptor": false
    },
    "graphrag": {
      "use_graphrag": false
    }
  },
  "email": null,
  "picture": null
};

export type ParserConfigTable = '0.24' | '0.27';


/** deep_merge(default, custom): a copy of default with custom merged in, dicts recursively. */
export function deepMerge(base: Config, custom: Config): Config {
  const out: Config = structuredClone(base);
  for (const [k, v] of Object.entries(custom)) {
    const cur = out[k];
    out[k] = isDict(v) && isDict(cur) ? deepMerge(cur, v) : structuredClone(v);
  }
  return out;
}

/** get_parser_config(chunk_method, parser_config). */
export function getParserConfig(method: string | undefined, custom: Config | undefined, table: ParserConfigTable): Config {
  const t = table === '0.27' ? TABLE_027 : TABLE_024;
  const defaults = t[method || 'naive'] ?? null;
  let merged = deepMerge({ table_context_size: 0, image_context_size: 0 }, defaults ?? {});
  if (custom && Object.keys(custom).length > 0) merged = deepMerge(merged, custom);
  if (table === '0.27') {
    const pc = merged['parent_child'];
    if (isDict(pc) && pc['use_parent_child']) merged['children_delimiter'] = pc['children_delimiter'] ?? '\n';
    else if (isDict(pc) && Object.keys(pc).length > 0) merged['children_delimiter'] = '';
  }
  return merged;
}

/** DocumentService.update_parser_config: merge in place, and drop `raptor` when the update has none. */
export function updateParserConfig(current: Config, update: Config): Config {
  if (Object.keys(update).length === 0) return current;
  const merged = dfsUpdate(structuredClone(current), update);
  if (!update['raptor'] && merged['raptor']) delete merged['raptor'];
  return merged;
}

function dfsUpdate(old: Config, update: Config): Config {
  for (const [k, v] of Object.entries(update)) {
    const cur = old[k];
    if (k in old && isDict(v) && isDict(cur)) dfsUpdate(cur, v);
    else old[k] = structuredClone(v);
  }
  return old;
}
