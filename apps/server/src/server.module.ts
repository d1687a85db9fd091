import { DynamicModule, Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { MetricsModule } from '@app/metrics';
import { PersistenceModule } from '@app/persistence';
import { SERVER_CONFIG, ServerConfig } from './config/server-config';
import { MetricsController } from './metrics/metrics.controller';

/** Root module: the validated configuration, storage, and the command controllers. */
@Module({})
export class ServerModule {
  static register(config: ServerConfig): DynamicModule {
    return {
      module: ServerModule,
      imports: [
        ConfigModule.forRoot({
          isGlobal: true,
          ignoreEnvFile: true,
          load: [() => ({ pulse: config })],
        }),
        PersistenceModule.register({
          dataDir: config.dataDir,
          durability: config.durability,
          flushValues: config.flushValues,
        }),
        MetricsModule.register({ timeZone: config.timeZone }),
      ],
      controllers: [MetricsController],
      providers: [
        {
          provide: SERVER_CONFIG,
          useFactory: (configService: ConfigService) =>
            configService.getOrThrow<ServerConfig>('pulse'),
          inject: [ConfigService],
        },
      ],
      exports: [SERVER_CONFIG],
    };
  }
}
