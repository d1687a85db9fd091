import { BaseRpcContext } from '@nestjs/microservices';

/** The context handlers receive: the verb of the run of commands they are given. */
export class LineContext extends BaseRpcContext<[string]> {
  getVerb(): string {
    return this.args[0];
  }
}
