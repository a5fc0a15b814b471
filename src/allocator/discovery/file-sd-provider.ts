import { watch, type FSWatcher } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import { basename, dirname, extname, isAbsolute, join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { configError } from '../../config/allocator/object-reader.js';
import { errorMessage } from '../../errors.js';
import type { TargetGroup } from '../model.js';
import { countDiscoveryError, type DiscoveryDeps } from './deps.js';
import { PeriodicRefresher } from './periodic-refresher.js';
import type { DiscoveryProvider, ProviderFactory } from './provider.js';
import { readDuration, sdConfigReader } from './sd-config.js';
import { contentDigest } from './content-digest.js';
import { fileGlobMatcher, type FileNameMatcher } from './file-glob.js';
import { parseTargetGroups, reuseUnchangedGroups } from './target-group-parser.js';

// Prometheus's rule: wildcards only in the last path element, and a known extension.
const VALID_PATTERN = /^[^*]*(\*[^/]*)?\.(json|yml|yaml|JSON|YML|YAML)$/;
/** File events arrive in bursts (truncate, write, rename); one read after the burst is enough. */
const WATCH_COALESCE_MS = 10;

interface FilePattern {
  readonly dir: string;
  readonly name: string;
  readonly matcher: FileNameMatcher | undefined;
}

function isJsonFile(path: string): boolean {
  return extname(path).toLowerCase() === '.json';
}

function parseFile(path: string, text: string): unknown {
  return isJsonFile(path) ? (JSON.parse(text) as unknown) : (parseYaml(text) as unknown);
}

/**
 * `file_sd_configs`: reads JSON/YAML target group files (globs in the file name), re-reads them
 * when their directory changes (fs.watch) and every `refresh_interval`. A file that fails to
 * parse keeps the groups it last produced; the failure is logged and counted.
 */
export function createFileSdFactory(deps: DiscoveryDeps): ProviderFactory {
  return (config, context): DiscoveryProvider => {
    const reader = sdConfigReader(config, 'file_sd_configs', context);
    const files = reader.stringList('files') ?? [];
    const intervalMs = readDuration(reader, 'refresh_interval', 5 * 60_000);
    reader.done();
    if (files.length === 0) throw configError(reader.path, 'files must list at least one file');
    const patterns = files.map((file): FilePattern => {
      if (!VALID_PATTERN.test(file)) {
        throw configError(
          reader.child('files'),
          `path name "${file}" is not valid for file discovery (wildcards only in the file name; extension .json, .yml or .yaml)`,
        );
      }
      const path = isAbsolute(file) ? file : resolve(context.baseDir, file);
      const name = basename(path);
      const hasGlob = /[*?]/.test(name);
      return { dir: dirname(path), name, matcher: hasGlob ? fileGlobMatcher(name) : undefined };
    });
    const logger = context.logger.child({ mechanism: 'file_sd', job: context.job });
    const lastGood = new Map<string, TargetGroup[]>();

    const listFiles = async (): Promise<string[]> => {
      const found = new Set<string>();
      for (const pattern of patterns) {
        if (pattern.matcher === undefined) {
          found.add(join(pattern.dir, pattern.name));
          continue;
        }
        const names = await readdir(pattern.dir).catch(() => [] as string[]);
        for (const name of names) {
          if (pattern.matcher.test(name)) found.add(join(pattern.dir, name));
        }
      }
      return [...found].sort();
    };

    // A digest of the text each file had when its groups were built: an unchanged file yields the
    // very same group objects, so nothing downstream is rebuilt for it.
    const lastDigest = new Map<string, string>();
    const readOne = async (path: string): Promise<TargetGroup[] | undefined> => {
      let text: string;
      try {
        text = await readFile(path, 'utf8');
      } catch (err) {
        // A missing file is a file with no targets; anything else keeps the last good groups.
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw err;
      }
      const previous = lastGood.get(path);
      const digest = contentDigest(text);
      if (previous !== undefined && lastDigest.get(path) === digest) return previous;
      const parsed = parseTargetGroups(parseFile(path, text), {
        where: path,
        sourceOf: (i) => `${path}:${i}`,
        ignoreUnknownKeys: isJsonFile(path),
        extraLabels: { __meta_filepath: path },
      });
      const groups = reuseUnchangedGroups(previous, parsed);
      lastDigest.set(path, digest);
      return groups;
    };

    const refresh = async (): Promise<TargetGroup[]> => {
      const paths = await listFiles();
      const current = new Map<string, TargetGroup[]>();
      for (const path of paths) {
        try {
          const groups = await readOne(path);
          if (groups !== undefined) current.set(path, groups);
        } catch (err) {
          countDiscoveryError(deps, context.job, 'file_sd');
          logger.error(
            { err, path },
            'file_sd: cannot read target file; keeping its last good targets',
          );
          const previous = lastGood.get(path);
          if (previous !== undefined) current.set(path, previous);
        }
      }
      lastGood.clear();
      for (const [path, groups] of current) lastGood.set(path, groups);
      for (const path of [...lastDigest.keys()]) if (!current.has(path)) lastDigest.delete(path);
      return [...current.values()].flat();
    };

    const refresher = new PeriodicRefresher({
      intervalMs,
      clock: deps.clock,
      refresh,
      onError: (err) => {
        countDiscoveryError(deps, context.job, 'file_sd');
        logger.error({ err }, 'file_sd: refresh failed; keeping the last good targets');
      },
    });
    const watchers: FSWatcher[] = [];
    let cancelPending: (() => void) | undefined;
    // Only names this config reads, or a Kubernetes ConfigMap's `..data` swap, call for a re-read:
    // other files in the directory (a log, an editor's swap file) would re-read, and re-report,
    // every broken target file on each of their writes.
    const concerns = (dir: string, changed: string | null): boolean =>
      changed === null ||
      changed === '..data' ||
      patterns.some(
        (p) =>
          p.dir === dir && (p.matcher === undefined ? p.name === changed : p.matcher.test(changed)),
      );
    const onChange = (dir: string, changed: string | null): void => {
      if (!concerns(dir, changed)) return;
      if (cancelPending !== undefined) return;
      cancelPending = deps.clock.setTimeout(() => {
        cancelPending = undefined;
        void refresher.refreshNow();
      }, WATCH_COALESCE_MS);
    };

    return {
      async start(sink): Promise<void> {
        // Watch directories, not files: editors and ConfigMap updates replace files by rename.
        for (const dir of new Set(patterns.map((p) => p.dir))) {
          try {
            const watcher = watch(dir, (_event, changed) => onChange(dir, changed));
            watcher.on('error', (err) => logger.warn({ err, dir }, 'file_sd: watch failed'));
            watchers.push(watcher);
          } catch (err) {
            logger.warn(
              { err: errorMessage(err), dir },
              'file_sd: cannot watch directory; relying on refresh_interval',
            );
          }
        }
        await refresher.start(sink);
      },
      async stop(): Promise<void> {
        cancelPending?.();
        for (const watcher of watchers) watcher.close();
        await refresher.stop();
      },
    };
  };
}
