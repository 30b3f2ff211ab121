import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../config.ts';
import { stampLora, tensorDataHash } from './lora-metadata.ts';
import { encodeSafetensors, parseHeader, readHeader, tensorF32, withMetadata } from './safetensors.ts';

const f32 = (...values: number[]) => Buffer.from(new Float32Array(values).buffer);

describe('safetensors header reader and writer', () => {
  it('reads a file laid out by hand from the format description', () => {
    const json = Buffer.from('{"__metadata__":{"ss_network_dim":"4"},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}', 'utf8');
    const length = Buffer.alloc(8);
    length.writeBigUInt64LE(BigInt(json.length));
    const file = Buffer.concat([length, json, f32(1.5, -2)]);
    const header = parseHeader(file, file.length);
    expect(header.metadata).toEqual({ ss_network_dim: '4' });
    expect(header.tensors.a).toEqual({ dtype: 'F32', shape: [2], data_offsets: [0, 8] });
    expect([...tensorF32(file, header, 'a')]).toEqual([1.5, -2]);
  });

  it('writes what the reference layout says: LE length, space-padded JSON, tensors in offset order', () => {
    const file = encodeSafetensors({ k: 'v' }, { b: { dtype: 'F32', shape: [1], data: f32(3) }, a: { dtype: 'F32', shape: [2, 1], data: f32(1, 2) } });
    const length = Number(file.readBigUInt64LE(0));
    expect(length % 8).toBe(0);
    const json = JSON.parse(file.subarray(8, 8 + length).toString());
    expect(json).toEqual({
      __metadata__: { k: 'v' },
      a: { dtype: 'F32', shape: [2, 1], data_offsets: [0, 8] },
      b: { dtype: 'F32', shape: [1], data_offsets: [8, 12] },
    });
    expect(file.length).toBe(8 + length + 12);
  });

  it('refuses hostile and broken headers', () => {
    const huge = Buffer.alloc(16);
    huge.writeBigUInt64LE(2n ** 40n);
    expect(() => parseHeader(huge)).toThrow(/header length/);
    const file = encodeSafetensors({}, { a: { dtype: 'F32', shape: [2], data: f32(1, 2) } });
    expect(() => parseHeader(file.subarray(0, file.length - 1), file.length - 1)).toThrow(/bytes/);
    const lying = Buffer.from(file);
    lying.write('[0,9]', lying.indexOf('[0,8]'));
    expect(() => parseHeader(lying, lying.length)).toThrow(/offsets/);
    expect(() => parseHeader(Buffer.from('short'))).toThrow(/8-byte/);
  });

  it('stamps kohya and modelspec metadata without touching the tensors, and the Python reader agrees', async () => {
    const trained = encodeSafetensors(
      { ss_network_module: 'networks.lora' },
      { 'lora_unet_x.lora_down.weight': { dtype: 'F32', shape: [1, 2], data: f32(0.25, 0.5) }, 'lora_unet_x.alpha': { dtype: 'F32', shape: [], data: f32(4) } },
    );
    const stamped = stampLora(trained, {
      outputName: 'KIRA_v01',
      title: 'Kira',
      triggerWord: 'kira',
      description: 'd',
      ssBaseModelVersion: 'sd_v1',
      architecture: 'stable-diffusion-v1/lora',
      networkModule: 'networks.lora',
      rank: 1,
      alpha: 4,
      resolution: 512,
      numTrainImages: 8,
      steps: 10,
      startedAt: new Date(0),
      finishedAt: new Date(1000),
    });
    expect(tensorDataHash(stamped)).toBe(tensorDataHash(trained));
    const header = parseHeader(stamped, stamped.length);
    expect(header.metadata.sshs_model_hash).toBe(tensorDataHash(trained));
    expect(header.metadata.ss_base_model_version).toBe('sd_v1');
    expect(withMetadata(stamped, {}).subarray(-12)).toEqual(trained.subarray(-12));
    const dir = await mkdtemp(join(tmpdir(), 'st-'));
    try {
      await writeFile(join(dir, 'x.safetensors'), stamped);
      expect((await readHeader(join(dir, 'x.safetensors'))).metadata['modelspec.trigger_phrase']).toBe('kira');
      const script = `import sys; sys.path.insert(0, ${JSON.stringify(join(REPO_ROOT, 'pipelines/_lib'))}); import draftnet, json; t, m = draftnet.read_safetensors(sys.argv[1]); print(json.dumps({k: v.tolist() for k, v in t.items()} | {"meta": m["ss_output_name"]}))`;
      const read = JSON.parse(execFileSync('/usr/bin/python3', ['-c', script, join(dir, 'x.safetensors')], { encoding: 'utf8' }));
      expect(read).toEqual({ 'lora_unet_x.lora_down.weight': [[0.25, 0.5]], 'lora_unet_x.alpha': 4, meta: 'KIRA_v01' });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
