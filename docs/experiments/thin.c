#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
void openblas_set_num_threads(int);
static double now(){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec+t.tv_nsec*1e-9;}
int main(){
 int sh[][3]={{1000,10,256},{256,10,1000},{1000,256,10},{10,256,1000},{16000,8,25},{16000,16,200},{16000,200,16},{16,200,16000},{16000,24,200},{16000,32,200},{16000,64,200},{16000,200,32},{32,200,16000},{16000,200,64},{64,200,16000},{1000,64,800},{1000,32,784},{1000,784,32},{32,784,1000},{1000,256,784}};
 int ns=sizeof(sh)/sizeof(sh[0]);
 double *a=malloc(8*20000000L),*b=malloc(8*20000000L),*c=malloc(8*20000000L);
 for(long i=0;i<20000000L;i++){a[i]=rand()/(double)RAND_MAX;b[i]=a[i];c[i]=0;}
 for(int s=0;s<ns;s++){int m=sh[s][0],n=sh[s][1],k=sh[s][2]; double t[3];
  for(int th=1;th<=2;th++){openblas_set_num_threads(th); cblas_dgemm(CblasRowMajor,CblasNoTrans,CblasNoTrans,m,n,k,1,a,k,b,n,0,c,n);
   double best=1e9; for(int r=0;r<7;r++){double t0=now(); for(int it=0;it<5;it++)cblas_dgemm(CblasRowMajor,CblasNoTrans,CblasNoTrans,m,n,k,1,a,k,b,n,0,c,n); double d=(now()-t0)/5; if(d<best)best=d;} t[th]=best;}
  printf("m=%6d n=%4d k=%6d  1T %8.1f us  2T %8.1f us  2T/1T %.2f\n",m,n,k,t[1]*1e6,t[2]*1e6,t[2]/t[1]);}
}
