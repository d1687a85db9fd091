import { DynamicModule, Module } from '@nestjs/common';
import { METRICS_OPTIONS, MetricsOptions } from './metrics-options';
import { MetricsService } from './metrics.service';

/** Provides MetricsService; the FileManager comes from the (global) PersistenceModule. */
@Module({})
export class MetricsModule {
  static register(options: MetricsOptions): DynamicModule {
    return {
      module: MetricsModule,
      providers: [{ provide: METRICS_OPTIONS, useValue: options }, MetricsService],
      exports: [MetricsService],
    };
  }
}
