/** Instance records on disk: one JSON file per instance, written atomically. */
import { mkdir, readdir, unlink } from 'node:fs/promises';
import { EngawaError } from '../util/errors';
import { isMissing, readJson, writeFileAtomic } from '../util/atomic';
import { instanceFile, instancesDir } from './home';
import type { InstanceRecord } from './types';

export class InstanceStore {
  constructor(
    private readonly home: string,
    private readonly log: (line: string) => void = () => {},
  ) {}

  /** Every readable record, by name; damaged files are reported to the log and skipped. */
  async list(): Promise<InstanceRecord[]> {
    let files: string[];
    try {
      files = await readdir(instancesDir(this.home));
    } catch (e) {
      if (isMissing(e)) return [];
      throw e;
    }
    const records: InstanceRecord[] = [];
    for (const file of files.filter((f) => f.endsWith('.json') && !f.startsWith('.')).sort()) {
      try {
        const record = await this.read(file.slice(0, -'.json'.length));
        if (record) records.push(record);
      } catch (e) {
        this.log(`skipping ${file}: ${(e as Error).message}`);
      }
    }
    return records;
  }

  /** The record of `name`, or undefined when there is none. */
  async read(name: string): Promise<InstanceRecord | undefined> {
    const file = instanceFile(this.home, name);
    let record: InstanceRecord;
    try {
      record = await readJson<InstanceRecord>(file);
    } catch (e) {
      if (isMissing(e)) return undefined;
      throw e;
    }
    if (record?.version !== 1 || record.name !== name) {
      throw new EngawaError('INTERNAL', `The file ${file} is not an instance record this version of Engawa understands.`, {
        path: file,
      });
    }
    return record;
  }

  async write(record: InstanceRecord): Promise<void> {
    await mkdir(instancesDir(this.home), { recursive: true });
    await writeFileAtomic(instanceFile(this.home, record.name), JSON.stringify(record, null, 2) + '\n');
  }

  /** Removes the record; no error when it is already gone. */
  async delete(name: string): Promise<void> {
    await unlink(instanceFile(this.home, name)).catch((e: unknown) => {
      if (!isMissing(e)) throw e;
    });
  }
}
