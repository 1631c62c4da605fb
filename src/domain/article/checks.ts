// FORMAT.md "Consistency checks": oddities worth a warning that never refuse a document.
import type { Warning } from './result.js';
import type { Article } from './schema.js';

export function consistencyWarnings(article: Article): Warning[] {
  const warnings: Warning[] = [];
  const { payload, flags, images } = article.meta;
  if (payload.paragraphs !== undefined) {
    let found = 0;
    for (const section of article.sections) {
      for (const block of section.blocks) if (block.type === 'paragraph') found++;
    }
    if (found !== payload.paragraphs) {
      warnings.push({
        field: 'meta.payload.paragraphs',
        message: `payload counts ${payload.paragraphs} paragraphs but the sections hold ${found}: a paragraph was probably lost or added on the way`,
      });
    }
  }
  if (flags?.hasImages !== undefined) {
    const count = images?.length ?? 0;
    if (flags.hasImages !== count > 0) {
      warnings.push({
        field: 'meta.flags.hasImages',
        message: `flags say has images: ${flags.hasImages ? 1 : 0}, but the export lists ${count} image source${count === 1 ? '' : 's'}`,
      });
    }
  }
  return warnings;
}
