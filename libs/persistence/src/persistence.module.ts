import { DynamicModule, Module } from '@nestjs/common';
import { CLOCK, systemClock } from './clock';
import { AlertRuleStore } from './alerts/alert-rule-store';
import { FileManager } from './file-manager.service';
import { nodeStorageFs } from './io/node-storage-fs';
import { STORAGE_FS } from './io/storage-fs';
import { STORAGE_OPTIONS, StorageOptions } from './storage-options';

/** Provides the FileManager for a data directory. */
@Module({})
export class PersistenceModule {
  static register(options: StorageOptions): DynamicModule {
    return {
      module: PersistenceModule,
      global: true,
      providers: [
        { provide: STORAGE_OPTIONS, useValue: options },
        { provide: CLOCK, useValue: systemClock },
        { provide: STORAGE_FS, useValue: nodeStorageFs },
        FileManager,
        AlertRuleStore,
      ],
      exports: [FileManager, AlertRuleStore, CLOCK, STORAGE_FS],
    };
  }
}
